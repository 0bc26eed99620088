// core/participant_status: the status enum and its PHP strings.
#define BOOST_TEST_DYN_LINK
#include "core/participant_status.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using ems::ParticipantStatus;

BOOST_AUTO_TEST_SUITE(core_participant_status)

BOOST_AUTO_TEST_CASE(each_status_round_trips_through_its_php_string) {
    // The strings are the files' format: pinned one by one.
    BOOST_TEST(std::string(ems::to_php(ParticipantStatus::registered)) == "registered");
    BOOST_TEST(std::string(ems::to_php(ParticipantStatus::pending)) == "pending");
    BOOST_TEST(std::string(ems::to_php(ParticipantStatus::waitlisted)) == "waitlisted");
    for (const auto s :
         {ParticipantStatus::registered, ParticipantStatus::pending, ParticipantStatus::waitlisted})
        BOOST_TEST((ems::status_from_php(ems::to_php(s)) == s));
    for (const char* other : {"", "Registered", "approved", "pending "})
        BOOST_TEST(!ems::status_from_php(other).has_value(), other);
}

BOOST_AUTO_TEST_CASE(each_status_has_a_label_people_read) {
    BOOST_TEST(std::string(ems::display_label(ems::ParticipantStatus::registered)) == "Registered");
    BOOST_TEST(std::string(ems::display_label(ems::ParticipantStatus::pending)) ==
               "Waiting for approval");
    BOOST_TEST(std::string(ems::display_label(ems::ParticipantStatus::waitlisted)) ==
               "On the waitlist");
}

BOOST_AUTO_TEST_CASE(an_entry_without_a_known_status_is_registered) {
    Json::Value entry(Json::objectValue);
    BOOST_TEST((ems::status_of(entry) == ParticipantStatus::registered));
    entry["status"] = "pending";
    BOOST_TEST((ems::status_of(entry) == ParticipantStatus::pending));
    entry["status"] = 1;
    BOOST_TEST((ems::status_of(entry) == ParticipantStatus::registered));
    entry["status"] = "approved";
    BOOST_TEST((ems::status_of(entry) == ParticipantStatus::registered));
    BOOST_TEST((ems::status_of(Json::Value("pending")) == ParticipantStatus::registered));
    BOOST_TEST((ems::status_of(Json::Value()) == ParticipantStatus::registered));
}

BOOST_AUTO_TEST_SUITE_END()
