// handlers/event_participants: the CSV export's cells, against formula
// injection and broken quoting (hostile names and e-mails).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "handlers/event_common.hpp"

BOOST_AUTO_TEST_SUITE(event_participants)

BOOST_AUTO_TEST_CASE(csv_cell_quotes_and_neutralises_formulas) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", R"c("")c"},
        {"Ada Lovelace", R"c("Ada Lovelace")c"},
        {"a,b", R"c("a,b")c"},
        {R"c(say "hi")c", R"c("say ""hi""")c"},
        {R"c(")c", R"c("""")c"},
        {"line\nbreak", "\"line\nbreak\""},
        // Formula prefixes a spreadsheet would evaluate.
        {"=1+1", R"c("'=1+1")c"},
        {"+1", R"c("'+1")c"},
        {"-1", R"c("'-1")c"},
        {"@SUM(A1)", R"c("'@SUM(A1)")c"},
        {"\t=cmd", "\"'\t=cmd\""},
        {"\r=cmd", "\"'\r=cmd\""},
        {R"c(=HYPERLINK("http://evil","x"))c", R"c("'=HYPERLINK(""http://evil"",""x"")")c"},
        // Only the first character matters.
        {"a=1", R"c("a=1")c"},
        {" =1", R"c(" =1")c"},
        {std::string("\0=1", 3), std::string("\"\0=1\"", 5)},
    };
    for (const auto& [in, want] : cases) BOOST_TEST(ems::csv_cell(in) == want, "cell of " << in);
}

BOOST_AUTO_TEST_SUITE_END()
