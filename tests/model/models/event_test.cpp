// models/event.cpp against MariaDB: create writes the row, its key and the
// event file with the settings; keys are unique; edit rewrites both.
#define BOOST_TEST_DYN_LINK
#include "models/event.hpp"

#include <boost/test/unit_test.hpp>
#include <set>

#include "storage/php_json.hpp"
#include "tests/model/fixture.hpp"
#include "tests/model/helpers.hpp"

using ems::test::ModelFixture;
namespace events = ems::events;

BOOST_FIXTURE_TEST_SUITE(event, ModelFixture)

BOOST_AUTO_TEST_CASE(create_writes_row_key_and_settings_file) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto created =
        events::create_event(*this, ems::test::event_input("Meetup", 25, true), owner);
    BOOST_TEST(!created.replayed);
    const auto ev = events::find_event(db(), created.id);
    BOOST_REQUIRE(ev);
    BOOST_TEST(ev->name == "Meetup");
    BOOST_TEST(ev->creator == owner.uid);
    BOOST_TEST(ev->participantcount == 0);
    BOOST_TEST(events::normalize_key(ev->key).value_or("") == ev->key);
    const auto by_key = events::find_event_by_key(db(), ev->key);
    BOOST_REQUIRE(by_key);
    BOOST_TEST(by_key->id == created.id);

    const auto s = events::load_settings(*this, created.id);
    BOOST_TEST(s.problem == "");
    BOOST_TEST(s.max_participants.value_or(0) == 25);
    BOOST_TEST(s.require_approval);
    BOOST_TEST(s.registration_open);
}

BOOST_AUTO_TEST_CASE(every_event_gets_its_own_key) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    std::set<std::string> keys;
    for (int i = 0; i < 20; ++i) {
        const auto c =
            events::create_event(*this, ems::test::event_input("E" + std::to_string(i)), owner);
        keys.insert(events::find_event(db(), c.id)->key);
    }
    BOOST_TEST(keys.size() == 20u);
    BOOST_TEST(db().query_one("SELECT COUNT(*) FROM ems_event_keys")->num(0) == 20);
    // The key table refuses a second row for a key: the database, not luck,
    // keeps them unique.
    BOOST_CHECK_THROW(db().exec("INSERT INTO ems_event_keys (eventkey, eventid) VALUES (?, ?)",
                                {*keys.begin(), 999LL}),
                      ems::db::DbError);
}

BOOST_AUTO_TEST_CASE(the_same_token_replays_the_first_event) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto a = events::create_event(*this, ems::test::event_input("Once"), owner, "tok-1");
    const auto b = events::create_event(*this, ems::test::event_input("Once"), owner, "tok-1");
    BOOST_TEST(b.replayed);
    BOOST_TEST(a.id == b.id);
    BOOST_TEST(db().query_one("SELECT COUNT(*) FROM events")->num(0) == 1);
}

BOOST_AUTO_TEST_CASE(edit_rewrites_row_and_settings_and_keeps_the_key) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto c = events::create_event(*this, ems::test::event_input("Before", 10), owner);
    const auto before = *events::find_event(db(), c.id);
    auto in = ems::test::event_input("After", std::nullopt);
    in.location = "Hall 2";
    in.settings.registration_open = false;
    events::update_event(*this, before, in, owner);
    const auto after = events::find_event(db(), c.id);
    BOOST_REQUIRE(after);
    BOOST_TEST(after->name == "After");
    BOOST_TEST(after->location == "Hall 2");
    BOOST_TEST(after->key == before.key);
    const auto s = events::load_settings(*this, c.id);
    BOOST_TEST(s.problem == "");
    BOOST_TEST(!s.registration_open);
    BOOST_TEST(!s.max_participants.has_value());
}

BOOST_AUTO_TEST_CASE(a_missing_settings_file_closes_registration) {
    const auto owner = ems::test::make_user(*this, "org@example.org");
    const auto c = events::create_event(*this, ems::test::event_input("Lost"), owner);
    std::filesystem::remove(root().path("storage/events/" + std::to_string(c.id) + ".json"));
    const auto s = events::load_settings(*this, c.id);
    BOOST_TEST(!s.registration_open);
    BOOST_TEST(s.problem != "");
}

BOOST_AUTO_TEST_SUITE_END()
