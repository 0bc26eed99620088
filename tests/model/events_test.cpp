// Events against the real schema: the row, its key in ems_event_keys and
// the event file with its settings; keys unique; an edit rewrites row and
// file; a delete leaves no row, no file and no attendee's list entry.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <set>
#include <string>

#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "models/user.hpp"
#include "tests/model/model_fixture.hpp"

using ems::events::Settings;
using ems::test::scalar;
using ems::test::store;

namespace {

Settings capped(long long max, bool approval = false, bool open = true) {
    Settings s;
    s.max_participants = max;
    s.require_approval = approval;
    s.registration_open = open;
    return s;
}

// New event keys: 12 upper-case hex digits (48 bits; 8-digit keys of the PHP app still work).
bool is_key(const std::string& k) {
    if (k.size() != 12) return false;
    for (char c : k)
        if (!std::isxdigit(static_cast<unsigned char>(c)) ||
            std::islower(static_cast<unsigned char>(c)))
            return false;
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(events)

BOOST_AUTO_TEST_CASE(create_with_settings_writes_row_key_and_file) {
    const auto creator = ems::test::make_user("Org");
    const auto made = ems::events::create_event(
        store(), ems::test::event_input("Settings event", capped(25, true, false)), creator);
    BOOST_TEST(!made.replayed);
    BOOST_TEST_REQUIRE(made.id > 0);

    const auto ev = ems::events::find_event(store().db(), made.id);
    BOOST_TEST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->name == "Settings event");
    BOOST_TEST(ev->startdate == "2031-05-01 09:00:00");
    BOOST_TEST(ev->creator == creator.uid);
    BOOST_TEST(ev->participantcount == 0);
    BOOST_TEST(is_key(ev->key), ev->key);
    BOOST_TEST(scalar("SELECT eventid FROM ems_event_keys WHERE eventkey = ?", {ev->key}) ==
               made.id);
    const auto by_key = ems::events::find_event_by_key(store().db(), ev->key);
    BOOST_TEST_REQUIRE(by_key.has_value());
    BOOST_TEST(by_key->id == made.id);

    const auto file = store().files().get_event_data(made.id);
    BOOST_TEST_REQUIRE(file.has_value());
    BOOST_TEST((*file)["eventid"].asString() == std::to_string(made.id));
    BOOST_TEST((*file)["eventkey"].asString() == ev->key);
    BOOST_TEST((*file)["settings"]["max_participants"].asInt64() == 25);
    BOOST_TEST((*file)["settings"]["require_approval"].asBool());
    BOOST_TEST(!(*file)["settings"]["registration_open"].asBool());

    const auto s = ems::events::load_settings(store(), made.id);
    BOOST_TEST(s.problem == "");
    BOOST_TEST(s.max_participants.value_or(-1) == 25);
    BOOST_TEST(s.require_approval);
    BOOST_TEST(!s.registration_open);
}

BOOST_AUTO_TEST_CASE(keys_are_unique) {
    const auto creator = ems::test::make_user("Keys");
    std::set<std::string> keys;
    for (int i = 0; i < 12; ++i) {
        const auto id = ems::test::make_event(creator, {}, "Key event " + std::to_string(i));
        keys.insert(ems::events::find_event(store().db(), id)->key);
    }
    BOOST_TEST(keys.size() == 12u);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events e JOIN ems_event_keys k ON k.eventid = "
                      "e.eventid WHERE e.eventcreator = ? AND k.eventkey = e.eventkey",
                      {creator.uid}) == 12);
    // The table's key is what keeps them unique against concurrent creates.
    const auto taken = *keys.begin();
    try {
        store().db().exec("INSERT INTO ems_event_keys (eventkey, eventid) VALUES (?, 0)", {taken});
        BOOST_FAIL("ems_event_keys took key " + taken + " twice");
    } catch (const ems::db::DbError& e) {
        BOOST_TEST(e.duplicate_key());
    }
}

BOOST_AUTO_TEST_CASE(edit_rewrites_row_and_file) {
    const auto creator = ems::test::make_user("Editor");
    const auto id = ems::test::make_event(creator, capped(5), "Before edit");
    const auto before = ems::events::find_event(store().db(), id);
    const auto created_at = (*store().files().get_event_data(id))["created_at"].asString();

    auto in = ems::test::event_input("After edit", capped(10, true));
    in.location = "Hall \"B\"";
    in.enddate = "2031-05-02 12:00:00";
    ems::events::update_event(store(), *before, in, creator);

    const auto after = ems::events::find_event(store().db(), id);
    BOOST_TEST(after->name == "After edit");
    BOOST_TEST(after->location == "Hall \"B\"");
    BOOST_TEST(after->enddate == "2031-05-02 12:00:00");
    BOOST_TEST(after->key == before->key);
    const auto file = *store().files().get_event_data(id);
    BOOST_TEST(file["eventname"].asString() == "After edit");
    BOOST_TEST(file["created_at"].asString() == created_at);
    BOOST_TEST(file["settings"]["max_participants"].asInt64() == 10);
    BOOST_TEST(file["settings"]["require_approval"].asBool());
    BOOST_TEST(ems::events::load_settings(store(), id).max_participants.value_or(-1) == 10);
}

BOOST_AUTO_TEST_CASE(delete_removes_row_files_and_attended_entries) {
    const auto creator = ems::test::make_user("Deleter");
    const auto guest = ems::test::make_user("Guest");
    const auto id = ems::test::make_event(creator, {}, "To delete");
    BOOST_TEST_REQUIRE(ems::events::register_for_event(store(), id, guest) ==
                       ems::events::Outcome::registered);
    BOOST_TEST(
        ems::events::parse_attended(ems::find_user(store().db(), guest.uid)->attendedevents) ==
        std::vector<std::string>{std::to_string(id)});

    ems::events::delete_event(store(), id, creator);

    BOOST_TEST(!ems::events::find_event(store().db(), id).has_value());
    BOOST_TEST(!store().files().get_event_data(id).has_value());
    BOOST_TEST(store().files().count_participants(id) == 0u);
    BOOST_TEST(!std::filesystem::exists(ems::test::storage_root() / "participants" /
                                        (std::to_string(id) + ".json")));
    BOOST_TEST(ems::events::parse_attended(ems::find_user(store().db(), guest.uid)->attendedevents)
                   .empty());
}

BOOST_AUTO_TEST_SUITE_END()
