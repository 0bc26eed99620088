// handlers/event_chart: the manage page's registrations-over-time chart from
// a participant list: cumulative counts by day, week by week over long
// spans, entries without a valid date left out.
#define BOOST_TEST_DYN_LINK
#include "handlers/event_chart.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

namespace {

ems::storage::ParticipantList list_of(const std::vector<std::string>& joined) {
    ems::storage::ParticipantList list;
    int uid = 1;
    for (const auto& j : joined) {
        Json::Value e;
        e["status"] = "registered";
        if (!j.empty()) e["joined_at"] = j;
        list.put(std::to_string(uid++), e);
    }
    return list;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_chart)

BOOST_AUTO_TEST_CASE(no_dated_entry_no_chart) {
    BOOST_TEST(!ems::registrations_chart(list_of({})));
    BOOST_TEST(!ems::registrations_chart(list_of({"", "2026-13-01 10:00:00", "garbage"})));
}

BOOST_AUTO_TEST_CASE(cumulative_by_day_from_the_first_to_the_last) {
    // 1 Dec: 1, 2 Dec: none, 3 Dec: 3 (one undated entry ignored).
    const auto c =
        ems::registrations_chart(list_of({"2026-12-03 09:00:00", "2026-12-01 08:00:00", "",
                                          "2026-12-03 10:00:00", "2026-12-03 23:59:59"}));
    BOOST_REQUIRE(c);
    BOOST_TEST(c->max == 4u);
    BOOST_TEST(c->first_iso == "2026-12-01");
    BOOST_TEST(c->last_iso == "2026-12-03");
    // Three points: 1 of 4 on the left, still 1 in the middle, 4 (the top) on the right.
    BOOST_TEST(c->line == "M44.0 86.0L318.0 86.0L592.0 8.0");
    BOOST_TEST(c->area == c->line + "L592.0 112.0L44.0 112.0Z");
    BOOST_TEST(c->summary == "1 registered on " + c->first_day + ", 4 by " + c->last_day);
    BOOST_TEST(c->first_day.find("2026") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(one_day_is_a_flat_line_at_the_top) {
    const auto c =
        ems::registrations_chart(list_of({"2026-12-01 08:00:00", "2026-12-01 09:00:00"}));
    BOOST_REQUIRE(c);
    BOOST_TEST(c->line == "M44.0 8.0L592.0 8.0");
    BOOST_TEST(c->summary == "2 registered on " + c->first_day);
}

BOOST_AUTO_TEST_CASE(a_span_over_180_days_is_drawn_week_by_week) {
    const auto c =
        ems::registrations_chart(list_of({"2026-01-01 08:00:00", "2026-12-31 08:00:00"}));
    BOOST_REQUIRE(c);
    // 364 days from the first: 53 weekly points.
    std::size_t points = 0;
    for (char ch : c->line) points += ch == 'M' || ch == 'L';
    BOOST_TEST(points == 53u);
    BOOST_TEST(c->summary.find("(drawn week by week)") != std::string::npos);
    BOOST_TEST(c->line.substr(c->line.size() - 9) == "592.0 8.0");
}

BOOST_AUTO_TEST_SUITE_END()
