// models/event_validation.cpp: dates, keys, the event form and the lenient
// attendedevents reader, table-driven.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "models/event.hpp"
#include "storage/php_json.hpp"

using namespace ems::events;

namespace {

std::map<std::string, std::string> good_form() {
    return {{"eventname", "Tech Talk"},      {"startdate", "2030-05-01T09:00"},
            {"enddate", "2030-05-01T17:00"}, {"location", "Hall A"},
            {"eventshortinfo", ""},          {"registration_open", "1"}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_validation)

BOOST_AUTO_TEST_CASE(normalize_datetime_accepts_both_formats_and_refuses_impossible_dates) {
    const std::pair<const char*, const char*> cases[] = {
        {"2030-05-01T09:00", "2030-05-01 09:00:00"},
        {"2030-05-01 09:00:30", "2030-05-01 09:00:30"},
        {"2024-02-29T00:00", "2024-02-29 00:00:00"},
        {"2000-02-29T23:59", "2000-02-29 23:59:00"},
        {"2025-02-30T10:00", nullptr},
        {"2025-02-29T10:00", nullptr},
        {"1900-02-29T10:00", nullptr},
        {"2030-13-01T10:00", nullptr},
        {"2030-04-31T10:00", nullptr},
        {"2030-05-01T24:00", nullptr},
        {"2030-05-01T09:60", nullptr},
        {"0999-05-01T09:00", nullptr},
        {"30/05/2030 10:00", nullptr},
        {"2030-05-01", nullptr},
        {"2030-05-01T09:00Z", nullptr},
        {"", nullptr},
    };
    for (const auto& [in, want] : cases) {
        const auto got = normalize_datetime(in);
        BOOST_TEST_CONTEXT(in) {
            BOOST_TEST(got.has_value() == (want != nullptr));
            if (want && got) BOOST_TEST(*got == want);
        }
    }
}

BOOST_AUTO_TEST_CASE(normalize_key_upper_cases_eight_or_twelve_hex_digits_only) {
    BOOST_TEST(*normalize_key("df57d62e") == "DF57D62E");
    BOOST_TEST(*normalize_key("DF57D62E") == "DF57D62E");
    BOOST_TEST(*normalize_key("0a1b2c3d4e5f") == "0A1B2C3D4E5F");
    for (const char* bad : {"", "DF57D62", "DF57D62E0", "DF57D62E0A1", "DF57D62E0A1B2", "GF57D62E",
                            "DF57D62 ", "../../x", "DF57%62E", "DF57D62E0A1G"})
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!normalize_key(bad).has_value());
        }
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

BOOST_AUTO_TEST_CASE(
    a_description_keeps_its_lines_and_the_php_column_gets_its_first_255_characters) {
    auto f = good_form();
    std::string text = "First line\r\nSecond line\rThird\n";
    for (int i = 0; i < 300; ++i) text += "\xc3\xa4";  // 300 x "ä"
    f["eventshortinfo"] = text;
    const auto r = validate_event_form(f);
    BOOST_TEST(r.errors.empty());
    std::string lines = "First line\nSecond line\nThird\n";
    BOOST_TEST(r.input.description.substr(0, lines.size()) == lines);
    BOOST_TEST(r.input.description.size() == lines.size() + 600);
    const std::string flat = "First line Second line Third ";
    BOOST_TEST(r.input.shortinfo.substr(0, flat.size()) == flat);
    // 255 characters: the 29 of the lines and 226 "ä" (two bytes each), none cut.
    BOOST_TEST(r.input.shortinfo.size() == flat.size() + 2 * (255 - flat.size()));
    BOOST_TEST(shortinfo_of("short") == "short");

    f["eventshortinfo"] = std::string(max_description, 'x');
    BOOST_TEST(validate_event_form(f).errors.empty());
    f["eventshortinfo"] = std::string(max_description + 1, 'x');
    BOOST_TEST(validate_event_form(f).errors.at("eventshortinfo") ==
               "Please use at most 5000 characters");
}

BOOST_AUTO_TEST_CASE(validate_event_form_caps_lengths_and_capacity) {
    const std::pair<const char*, std::string> bad[] = {
        {"eventname", std::string(256, 'x')},
        {"location", "bad\x01"},
        {"eventshortinfo", "\xff\xfe"},
        {"max_participants", "-1"},
        {"max_participants", "0"},
        {"max_participants", "1000000000000"},
        {"max_participants", "1e3"},
        {"max_participants", "1000001"},
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

// Absent means default (create) or unchanged (edit); present follows the
// value, whatever the base. Our form sends "0" then "1" for a checked box;
// the handler passes the last one.
BOOST_AUTO_TEST_CASE(validate_event_form_settings_absent_take_the_base_present_follow_the_value) {
    Settings edited;  // an event whose organizer closed it, capped it at 50 and approves each entry
    edited.registration_open = false;
    edited.max_participants = 50;
    edited.require_approval = true;
    struct Case {
        const char* name;
        const Settings* base;                            // nullptr: create (the PHP defaults)
        std::optional<std::string> open, approval, max;  // nullopt: not sent
        bool want_open, want_approval;
        std::optional<long long> want_max;
    };
    const std::optional<std::string> absent;
    const Case cases[] = {
        {"create, contract fields only", nullptr, absent, absent, absent, true, false,
         std::nullopt},
        {"create, hidden 0 only (unchecked)", nullptr, "0", "0", "", false, false, std::nullopt},
        {"create, checked 1", nullptr, "1", "1", "12", true, true, 12},
        {"create, browser default on", nullptr, "on", "on", absent, true, true, std::nullopt},
        {"create, empty value", nullptr, "", "", absent, false, false, std::nullopt},
        {"create, false/off", nullptr, "false", "off", absent, false, false, std::nullopt},
        {"edit, contract fields only keeps all", &edited, absent, absent, absent, false, true, 50},
        {"edit, open it", &edited, "1", absent, absent, true, true, 50},
        {"edit, unchecked approval", &edited, absent, "0", absent, false, false, 50},
        {"edit, empty max is no limit", &edited, absent, absent, "", false, true, std::nullopt},
        {"edit, new max", &edited, "0", "1", "7", false, true, 7},
    };
    for (const auto& c : cases) {
        auto f = good_form();
        f.erase("registration_open");
        if (c.open) f["registration_open"] = *c.open;
        if (c.approval) f["require_approval"] = *c.approval;
        if (c.max) f["max_participants"] = *c.max;
        const auto r = c.base ? validate_event_form(f, *c.base) : validate_event_form(f);
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(r.errors.empty());
            BOOST_TEST(r.input.settings.registration_open == c.want_open);
            BOOST_TEST(r.input.settings.require_approval == c.want_approval);
            BOOST_TEST(r.input.settings.max_participants.value_or(-1) == c.want_max.value_or(-1));
            BOOST_TEST(r.values.at("registration_open") == (c.want_open ? "1" : ""));
        }
    }
}

// As storage reads event files (and the API a body): 1e400 does not even
// parse there, so such a file is "cannot be read" and such a body a 400.
Json::Value parse(const std::string& text) {
    auto v = ems::storage::parse_json(text, nullptr);
    BOOST_REQUIRE(v.has_value());
    return *v;
}

BOOST_AUTO_TEST_CASE(validate_event_json_defaults_keeps_and_refuses_wrong_types) {
    const std::string fields =
        R"("eventname": "Talk", "startdate": "2030-05-01T09:00", "enddate": "2030-05-01T17:00", "location": "Hall")";
    auto r = validate_event_json(parse("{" + fields + "}"), Settings{});
    BOOST_TEST(r.errors.empty());
    BOOST_TEST(r.input.settings.registration_open);
    BOOST_TEST(!r.input.settings.max_participants.has_value());
    r = validate_event_json(
        parse("{" + fields + R"(, "settings": {"max_participants": 5, "require_approval": true}})"),
        Settings{});
    BOOST_TEST(r.errors.empty());
    BOOST_TEST(*r.input.settings.max_participants == 5);
    BOOST_TEST(r.input.settings.require_approval);
    Settings capped;
    capped.max_participants = 9;
    r = validate_event_json(parse("{" + fields + R"(, "max_participants": null})"), capped);
    BOOST_TEST(!r.input.settings.max_participants.has_value(), "explicit null: no limit");
    r = validate_event_json(parse("{" + fields + "}"), capped);
    BOOST_TEST(*r.input.settings.max_participants == 9, "absent: unchanged");
    for (const char* bad :
         {R"("max_participants": "ten")", R"("max_participants": 0)", R"("max_participants": -5)",
          R"("max_participants": 2.5)", R"("max_participants": true)",
          R"("max_participants": 18446744073709551615)", R"("registration_open": "yes")",
          R"("require_approval": 1)", R"("settings": [])", R"("eventshortinfo": 5)"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!validate_event_json(parse("{" + fields + ", " + bad + "}"), Settings{})
                            .errors.empty());
        }
    }
    Event current;
    current.name = "Old";
    current.startdate = "2030-01-01 09:00:00";
    current.enddate = "2030-01-01 10:00:00";
    current.location = "Old hall";
    r = validate_event_json(parse(R"({"location": "New hall"})"), Settings{}, &current);
    BOOST_TEST(r.errors.empty());
    BOOST_TEST(r.input.name == "Old");
    BOOST_TEST(r.input.location == "New hall");
}

BOOST_AUTO_TEST_CASE(settings_problem_accepts_php_files_and_refuses_wrong_types) {
    const std::pair<const char*, bool> cases[] = {
        {R"({"settings": {"registration_open": true, "max_participants": null, "require_approval": false}})",
         true},
        {R"({"settings": {"registration_open": false, "max_participants": 3, "require_approval": true}})",
         true},
        {R"({"settings": {"registration_open": true, "max_participants": "50", "require_approval": false}})",
         true},
        {R"({"settings": {"registration_open": true, "max_participants": "", "require_approval": false}})",
         true},
        {R"({"settings": {}})", true},
        {R"({"settings": {"max_participants": 1000000}})", true},
        {R"({"settings": {"max_participants": "ten"}})", false},
        {R"({"settings": {"max_participants": -5}})", false},
        {R"({"settings": {"max_participants": "-5"}})", false},
        {R"({"settings": {"max_participants": 1e300}})", false},
        {R"({"settings": {"max_participants": 0}})", false},
        {R"({"settings": {"max_participants": "0"}})", false},
        {R"({"settings": {"max_participants": 50.0}})", false},
        {R"({"settings": {"max_participants": 1000001}})", false},
        {R"({"settings": {"max_participants": true}})", false},
        {R"({"settings": {"max_participants": {"n": 3}}})", false},
        {R"({"settings": {"max_participants": [3]}})", false},
        {R"({"settings": {"registration_open": "true"}})", false},
        {R"({"settings": {"registration_open": 1}})", false},
        {R"({"settings": {"require_approval": null}})", false},
        {R"({"settings": null})", false},
        {R"({"settings": "open"})", false},
        {R"({"eventname": "no settings at all"})", false},
        {R"([1, 2])", false},
    };
    for (const auto& [text, ok] : cases) {
        BOOST_TEST_CONTEXT(text) {
            const auto file = parse(text);
            BOOST_TEST(!settings_problem(file).has_value() == ok);
        }
    }
    BOOST_TEST(!ems::storage::parse_json(R"({"settings": {"max_participants": 1e400}})", nullptr)
                    .has_value(),
               "1e400 makes the file unreadable, which load_settings reports as a problem too");
    const auto s = settings_of(
        parse(R"({"settings": {"registration_open": false, "max_participants": "50"}})"));
    BOOST_TEST(!s.registration_open);
    BOOST_TEST(*s.max_participants == 50);
    BOOST_TEST(!s.require_approval);
    BOOST_TEST(s.problem.empty());
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
