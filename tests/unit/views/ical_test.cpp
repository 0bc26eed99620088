// views/ical: the calendar files, built by libical and read back by it.
#define BOOST_TEST_DYN_LINK
#include "views/ical.hpp"

#include <libical/ical.h>

#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

BOOST_AUTO_TEST_SUITE(ical)

BOOST_AUTO_TEST_CASE(one_event_round_trips_through_libicals_parser) {
    const std::string text = ems::ical::calendar(
        {{"event-ABC@ems.example", "Tech; Talk, \"quoted\"", "Line one\nLine two, with; signs",
          "Hall A, Room 1", "https://ems.example/events/register/ABC", "2030-05-01 09:00:00",
          "2030-05-01 17:30:00"}});
    BOOST_TEST(text.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
    BOOST_TEST(text.find("SUMMARY:Tech\\; Talk\\, \"quoted\"") != std::string::npos);
    BOOST_TEST(text.find("DTSTART:20300501T090000\r\n") != std::string::npos);
    icalcomponent* cal = icalparser_parse_string(text.c_str());
    BOOST_REQUIRE(cal);
    icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    BOOST_REQUIRE(ev);
    BOOST_TEST(std::string(icalcomponent_get_summary(ev)) == "Tech; Talk, \"quoted\"");
    BOOST_TEST(std::string(icalcomponent_get_description(ev)) == "Line one\nLine two, with; signs");
    BOOST_TEST(std::string(icalcomponent_get_location(ev)) == "Hall A, Room 1");
    BOOST_TEST(std::string(icalcomponent_get_uid(ev)) == "event-ABC@ems.example");
    BOOST_TEST(icalcomponent_get_dtstart(ev).hour == 9);
    BOOST_TEST(icalcomponent_get_dtend(ev).minute == 30);
    BOOST_TEST(icalcomponent_count_errors(cal) == 0);
    icalcomponent_free(cal);
}

BOOST_AUTO_TEST_CASE(a_bad_time_is_refused_and_file_names_are_safe) {
    BOOST_CHECK_THROW(
        ems::ical::calendar({{"u", "s", "", "", "", "2030-02-30 09:00:00", "2030-05-01 17:00:00"}}),
        std::runtime_error);
    BOOST_CHECK_THROW(ems::ical::calendar({{"u", "s", "", "", "", "soon", "later"}}),
                      std::runtime_error);
    BOOST_TEST(ems::ical::file_name("Tech Talk: 2030/05 <Hall A>") ==
               "Tech-Talk-2030-05-Hall-A.ics");
    BOOST_TEST(ems::ical::file_name("../..\r\n") == "event.ics");
    BOOST_TEST(ems::ical::file_name(std::string(100, 'x')).size() == 64u);
}

BOOST_AUTO_TEST_CASE(a_site_time_zone_gives_tzid_and_one_vtimezone) {
    ems::ical::Event e{"u1@x", "A", "", "", "", "2030-07-01 09:00:00", "2030-07-01 10:00:00"};
    e.tzid = "Europe/Berlin";
    auto second = e;
    second.uid = "u2@x";
    const std::string text = ems::ical::calendar({e, second});
    BOOST_TEST(text.find("DTSTART;TZID=Europe/Berlin:20300701T090000") != std::string::npos);
    const auto vtz = text.find("BEGIN:VTIMEZONE");
    BOOST_REQUIRE(vtz != std::string::npos);
    BOOST_TEST(text.find("BEGIN:VTIMEZONE", vtz + 1) == std::string::npos);
    BOOST_TEST(text.find("TZID:Europe/Berlin") != std::string::npos);
    icalcomponent* cal = icalparser_parse_string(text.c_str());
    BOOST_REQUIRE(cal);
    BOOST_TEST(icalcomponent_count_errors(cal) == 0);
    icalcomponent_free(cal);
}

BOOST_AUTO_TEST_SUITE_END()
