// models/event_check.cpp against MariaDB: a consistent site has no
// problems; a planted count drift is found, repaired from the file, and
// gone on the next check.
#define BOOST_TEST_DYN_LINK
#include "models/event_check.hpp"

#include <boost/test/unit_test.hpp>

#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "tests/model/fixture.hpp"
#include "tests/model/helpers.hpp"

using ems::test::ModelFixture;
namespace events = ems::events;

BOOST_FIXTURE_TEST_SUITE(event_check, ModelFixture)

BOOST_AUTO_TEST_CASE(planted_count_drift_is_found_repaired_and_gone) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto a = ems::test::make_user(*this, "a@example.org");
    const auto id = events::create_event(*this, ems::test::event_input("Talk"), owner).id;
    events::register_for_event(*this, id, a);

    auto clean = events::check_consistency(db(), files(), false);
    BOOST_TEST(clean.problems.empty());
    BOOST_TEST(clean.exit_code() == 0);

    db().exec("UPDATE events SET participantcount = 7 WHERE eventid = ?",
              {static_cast<long long>(id)});
    const auto found = events::check_consistency(db(), files(), false);
    BOOST_REQUIRE_EQUAL(found.problems.size(), 1u);
    BOOST_TEST(found.problems[0].kind == "count_drift");
    BOOST_TEST(found.problems[0].subject == "event " + std::to_string(id));
    BOOST_TEST(found.exit_code() == 1);
    BOOST_TEST(events::find_event(db(), id)->participantcount == 7);  // not repaired unasked

    const auto repaired = events::check_consistency(db(), files(), true);
    BOOST_REQUIRE_EQUAL(repaired.problems.size(), 1u);
    BOOST_TEST(repaired.problems[0].repaired != "");
    BOOST_TEST(events::find_event(db(), id)->participantcount == 1);
    BOOST_TEST(events::check_consistency(db(), files(), false).problems.empty());
}

BOOST_AUTO_TEST_CASE(a_lost_settings_file_is_reported) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto id = events::create_event(*this, ems::test::event_input("Talk"), owner).id;
    std::filesystem::remove(root().path("storage/events/" + std::to_string(id) + ".json"));
    const auto r = events::check_consistency(db(), files(), false);
    BOOST_REQUIRE_EQUAL(r.problems.size(), 1u);
    BOOST_TEST(r.problems[0].kind == "missing_settings");
}

BOOST_AUTO_TEST_SUITE_END()
