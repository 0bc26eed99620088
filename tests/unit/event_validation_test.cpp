// models/event_validation.cpp: dates, keys, the event form and the lenient
// attendedevents reader, table-driven.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "models/event.hpp"

using namespace ems::events;

namespace {

std::map<std::string, std::string> good_form() {
    return {{"eventname", "Tech Talk"},    {"startdate", "2030-05-01T09:00"},
            {"enddate", "2030-05-01T17:00"}, {"location", "Hall A"},
            {"eventshortinfo", ""},          {"registration_open", "1"}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_validation)

BOOST_AUTO_TEST_CASE(normalize_datetime_accepts_both_formats_and_refuses_impossible_dates) {
    const std::pair<const char*, const char*> cases[] = {
        {"2030-05-01T09:00", "2030-05-01 09:00:00"}, {"2030-05-01 09:00:30", "2030-05-01 09:00:30"},
        {"2024-02-29T00:00", "2024-02-29 00:00:00"}, {"2000-02-29T23:59", "2000-02-29 23:59:00"},
        {"2025-02-30T10:00", nullptr},               {"2025-02-29T10:00", nullptr},
        {"1900-02-29T10:00", nullptr},               {"2030-13-01T10:00", nullptr},
        {"2030-04-31T10:00", nullptr},               {"2030-05-01T24:00", nullptr},
        {"2030-05-01T09:60", nullptr},               {"0999-05-01T09:00", nullptr},
        {"30/05/2030 10:00", nullptr},               {"2030-05-01", nullptr},
        {"2030-05-01T09:00Z", nullptr},              {"", nullptr},
    };
    for (const auto& [in, want] : cases) {
        const auto got = normalize_datetime(in);
        BOOST_TEST_CONTEXT(in) {
            BOOST_TEST(got.has_value() == (want != nullptr));
            if (want && got) BOOST_TEST(*got == want);
        }
    }
}

BOOST_AUTO_TEST_CASE(normalize_key_upper_cases_eight_hex_digits_only) {
    BOOST_TEST(*normalize_key("df57d62e") == "DF57D62E");
    BOOST_TEST(*normalize_key("DF57D62E") == "DF57D62E");
    for (const char* bad : {"", "DF57D62", "DF57D62E0", "GF57D62E", "DF57D62 ", "../../x", "DF57%62E"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!normalize_key(bad).has_value()); }
}

BOOST_AUTO_TEST_CASE(validate_event_form_accepts_a_good_form) {
    const auto r = validate_event_form(good_form());
    BOOST_TEST(r.errors.empty());
    BOOST_TEST(r.input.startdate == "2030-05-01 09:00:00");
    BOOST_TEST(r.input.settings.registration_open);
    BOOST_TEST(!r.input.settings.require_approval);
    BOOST_TEST(!r.input.settings.max_participants.has_value());
}

BOOST_AUTO_TEST_CASE(validate_event_form_gives_the_php_messages) {
    auto f = good_form();
    f.erase("location");
    BOOST_TEST(validate_event_form(f).form_error == "Please fill in all required fields");
    f = good_form();
    f["enddate"] = "2030-05-01T09:00";
    const auto r = validate_event_form(f);
    BOOST_TEST(r.form_error == "End date must be after start date");
    BOOST_TEST(r.errors.at("enddate") == "End date must be after start date");
}

BOOST_AUTO_TEST_CASE(validate_event_form_caps_lengths_and_capacity) {
    const std::pair<const char*, std::string> bad[] = {
        {"eventname", std::string(256, 'x')}, {"location", "bad\x01"}, {"eventshortinfo", "\xff\xfe"},
        {"max_participants", "-1"},           {"max_participants", "0"}, {"max_participants", "1000000000000"},
        {"max_participants", "1e3"},          {"max_participants", "1000001"},
    };
    for (const auto& [field, value] : bad) {
        auto f = good_form();
        f[field] = value;
        BOOST_TEST_CONTEXT(field << "=" << value.substr(0, 20)) {
            BOOST_TEST(validate_event_form(f).errors.count(field) == 1u);
        }
    }
    auto f = good_form();
    f["max_participants"] = "1000000";
    f["eventname"] = std::string(255, 'x');
    const auto r = validate_event_form(f);
    BOOST_TEST(r.errors.empty());
    BOOST_TEST(*r.input.settings.max_participants == 1000000);
}

BOOST_AUTO_TEST_CASE(parse_attended_reads_php_lists_leniently) {
    using V = std::vector<std::string>;
    BOOST_TEST(parse_attended("") == V{});
    BOOST_TEST(parse_attended("null") == V{});
    BOOST_TEST(parse_attended("not json") == V{});
    BOOST_TEST(parse_attended("{\"a\":1}") == V{});
    BOOST_TEST(parse_attended("[\"1\", \"1\", \"1\", \"3\"]") == (V{"1", "3"}));
    BOOST_TEST(parse_attended("[1, \"2\", null, 3.5, \"x\"]") == (V{"1", "2", "x"}));
    BOOST_TEST(format_attended(V{"1", "3"}) == "[\"1\",\"3\"]");
    BOOST_TEST(format_attended(V{}) == "[]");
}

BOOST_AUTO_TEST_SUITE_END()
