// core/pagination: page numbers from query strings, page slices, the
// capacity rule.
#define BOOST_TEST_DYN_LINK
#include "core/pagination.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <string>

using ems::PastEnd;

BOOST_AUTO_TEST_SUITE(core_pagination)

BOOST_AUTO_TEST_CASE(parse_positive_takes_digits_only_and_saturates) {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    BOOST_TEST(*ems::parse_positive("1") == 1u);
    BOOST_TEST(*ems::parse_positive("007") == 7u);
    BOOST_TEST(*ems::parse_positive("1000000000000") == 1000000000000u);
    BOOST_TEST(*ems::parse_positive("18446744073709551615") == max);
    BOOST_TEST(*ems::parse_positive("18446744073709551616") == max);
    BOOST_TEST(*ems::parse_positive(std::string(40, '9')) == max);
    for (const char* bad : {"", "0", "000", "-1", "+1", " 1", "1 ", "1e3", "abc", "1.5"})
        BOOST_TEST(!ems::parse_positive(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(paginate_slices_each_page) {
    const auto p1 = ems::paginate(250, 100, 1, PastEnd::last_page);
    BOOST_TEST(p1.pages == 3u);
    BOOST_TEST(p1.begin == 0u);
    BOOST_TEST(p1.end == 100u);
    const auto p3 = ems::paginate(250, 100, 3, PastEnd::last_page);
    BOOST_TEST(p3.begin == 200u);
    BOOST_TEST(p3.end == 250u);
    BOOST_TEST(p3.contains(249));
    BOOST_TEST(!p3.contains(250));
    BOOST_TEST(!p3.contains(199));
    const auto exact = ems::paginate(200, 100, 2, PastEnd::empty);
    BOOST_TEST(exact.pages == 2u);
    BOOST_TEST(exact.end == 200u);
}

BOOST_AUTO_TEST_CASE(paginate_past_the_end_clamps_or_is_empty) {
    for (const std::uint64_t huge : {std::uint64_t{4}, std::uint64_t{1000000000000},
                                     std::numeric_limits<std::uint64_t>::max()}) {
        BOOST_TEST_CONTEXT(huge) {
            const auto last = ems::paginate(250, 100, huge, PastEnd::last_page);
            BOOST_TEST(last.number == 3u);
            BOOST_TEST(last.begin == 200u);
            BOOST_TEST(last.end == 250u);
            const auto none = ems::paginate(250, 1000, huge, PastEnd::empty);
            BOOST_TEST(none.number == huge);
            BOOST_TEST(none.begin == none.end);
        }
    }
}

BOOST_AUTO_TEST_CASE(paginate_an_empty_list_is_page_one_of_none) {
    const auto p = ems::paginate(0, 100, 7, PastEnd::last_page);
    BOOST_TEST(p.number == 1u);
    BOOST_TEST(p.pages == 0u);
    BOOST_TEST(p.begin == 0u);
    BOOST_TEST(p.end == 0u);
    BOOST_TEST(ems::paginate(5, 0, 1, PastEnd::empty).end == 1u);  // per_page 0 taken as 1
}

BOOST_AUTO_TEST_CASE(at_capacity_when_a_maximum_is_reached) {
    BOOST_TEST(!ems::at_capacity(1000000, std::nullopt));
    BOOST_TEST(!ems::at_capacity(0, 1));
    BOOST_TEST(ems::at_capacity(1, 1));
    BOOST_TEST(ems::at_capacity(5, 3));  // over: a maximum lowered below the count
    BOOST_TEST(!ems::at_capacity(2, 3));
}

BOOST_AUTO_TEST_SUITE_END()
