// Registration against the real schema: each outcome, and after each one
// the participants file (the source of truth), participantcount and the
// user's attendedevents agreeing.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/participant_status.hpp"
#include "models/event.hpp"
#include "models/event_check.hpp"
#include "models/event_participation.hpp"
#include "models/user.hpp"
#include "storage/file_storage.hpp"
#include "tests/model/model_fixture.hpp"
#include "tests/unit/temp_root.hpp"

using ems::events::Outcome;
using ems::events::Settings;
using ems::test::store;

namespace {

long long stored_count(std::int64_t id) {
    return ems::events::find_event(store().db(), id)->participantcount;
}

std::size_t file_count(std::int64_t id) {
    return store().files().count_participants(id);
}

bool attends(const ems::User& u, std::int64_t id) {
    const auto ids =
        ems::events::parse_attended(ems::find_user(store().db(), u.uid)->attendedevents);
    return std::find(ids.begin(), ids.end(), std::to_string(id)) != ids.end();
}

// participantcount equals the file's count, whatever happened.
void check_agrees(std::int64_t id, std::size_t expected) {
    BOOST_TEST(file_count(id) == expected);
    BOOST_TEST(stored_count(id) == static_cast<long long>(expected));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registration)

BOOST_AUTO_TEST_CASE(register_writes_file_count_and_attended) {
    const auto org = ems::test::make_user("Org");
    const auto guest = ems::test::make_user("Guest");
    const auto id = ems::test::make_event(org);

    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::registered);
    check_agrees(id, 1);
    BOOST_TEST(attends(guest, id));
    const auto list = store().files().get_event_participants(id);
    const auto* entry = list->find(guest.uid);
    BOOST_TEST_REQUIRE(entry != nullptr);
    BOOST_TEST((*entry)["status"].asString() == "registered");
    BOOST_TEST((*entry)["email"].asString() == guest.email);
    BOOST_TEST((*entry)["uid"].isIntegral());
}

BOOST_AUTO_TEST_CASE(second_registration_is_already_registered) {
    const auto org = ems::test::make_user("Org");
    const auto guest = ems::test::make_user("Guest");
    const auto id = ems::test::make_event(org);
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::registered);
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::already_registered);
    check_agrees(id, 1);
    const auto ids =
        ems::events::parse_attended(ems::find_user(store().db(), guest.uid)->attendedevents);
    BOOST_TEST(std::count(ids.begin(), ids.end(), std::to_string(id)) == 1);
}

BOOST_AUTO_TEST_CASE(full_event_refuses_the_next_person) {
    const auto org = ems::test::make_user("Org");
    const auto first = ems::test::make_user("First");
    const auto late = ems::test::make_user("Late");
    Settings s;
    s.max_participants = 1;
    const auto id = ems::test::make_event(org, s);
    BOOST_TEST(ems::events::register_for_event(store(), id, first) == Outcome::registered);
    BOOST_TEST(ems::events::register_for_event(store(), id, late) == Outcome::full);
    check_agrees(id, 1);
    BOOST_TEST(!store().files().is_user_participant(id, late.uid));
    BOOST_TEST(!attends(late, id));
}

BOOST_AUTO_TEST_CASE(closed_event_refuses) {
    const auto org = ems::test::make_user("Org");
    const auto guest = ems::test::make_user("Guest");
    Settings s;
    s.registration_open = false;
    const auto id = ems::test::make_event(org, s);
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::closed);
    check_agrees(id, 0);
    BOOST_TEST(!attends(guest, id));
}

BOOST_AUTO_TEST_CASE(require_approval_makes_pending_then_approve) {
    const auto org = ems::test::make_user("Org");
    const auto guest = ems::test::make_user("Guest");
    Settings s;
    s.require_approval = true;
    const auto id = ems::test::make_event(org, s);
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::pending);
    check_agrees(id, 1);
    auto entry = *store().files().get_event_participants(id)->find(guest.uid);
    BOOST_TEST(std::string(ems::to_php(ems::status_of(entry))) == "pending");
    BOOST_TEST(entry["status"].asString() == "pending");

    BOOST_TEST(ems::events::approve_participant(store(), id, guest.uid, "test") == Outcome::done);
    entry = *store().files().get_event_participants(id)->find(guest.uid);
    BOOST_TEST(entry["status"].asString() == "registered");
    check_agrees(id, 1);
}

BOOST_AUTO_TEST_CASE(cancel_removes_entry_count_and_attended) {
    const auto org = ems::test::make_user("Org");
    const auto a = ems::test::make_user("Stays");
    const auto b = ems::test::make_user("Leaves");
    const auto id = ems::test::make_event(org);
    BOOST_TEST(ems::events::register_for_event(store(), id, a) == Outcome::registered);
    BOOST_TEST(ems::events::register_for_event(store(), id, b) == Outcome::registered);
    check_agrees(id, 2);

    BOOST_TEST(ems::events::remove_participant(store(), id, b.uid, ems::actor_of(b)) ==
               Outcome::done);
    check_agrees(id, 1);
    BOOST_TEST(!store().files().is_user_participant(id, b.uid));
    BOOST_TEST(store().files().is_user_participant(id, a.uid));
    BOOST_TEST(!attends(b, id));
    BOOST_TEST(attends(a, id));

    BOOST_TEST(ems::events::remove_participant(store(), id, b.uid, ems::actor_of(b)) ==
               Outcome::not_registered);
    check_agrees(id, 1);
}

// A damaged list is the storage's typed error (503 at the boundary), and
// the registration it stops changes nothing in the database.
BOOST_AUTO_TEST_CASE(damaged_list_throws_corrupt_list_and_changes_nothing) {
    const auto org = ems::test::make_user("Org");
    const auto a = ems::test::make_user("Before");
    const auto b = ems::test::make_user("After");
    const auto id = ems::test::make_event(org);
    BOOST_TEST(ems::events::register_for_event(store(), id, a) == Outcome::registered);
    store().files().compact(id);  // the list as one PHP-format file, no journal

    ems::test::spit(ems::test::storage_root() / "participants" / (std::to_string(id) + ".json"),
                    "{\"" + a.uid + "\": {\"uid\": ");
    try {
        ems::events::register_for_event(store(), id, b);
        BOOST_FAIL("a registration on a damaged list went through");
    } catch (const ems::storage::CorruptList& e) {
        BOOST_TEST(e.event_id == id);
    }
    BOOST_TEST(stored_count(id) == 1);
    BOOST_TEST(!attends(b, id));
    const auto report = ems::events::check_consistency(store().db(), store().files(), false);
    bool reported = false;
    for (const auto& p : report.problems)
        if (p.kind == "corrupt_list" && p.subject.find(std::to_string(id)) != std::string::npos)
            reported = true;
    BOOST_TEST(reported);
}

// The attended list is written in one compare-and-set statement against the
// copy read with the session; a copy gone stale (another tab registered or
// cancelled meanwhile) must not overwrite the stored list.
BOOST_AUTO_TEST_CASE(stale_attended_copy_keeps_the_other_registrations) {
    const auto org = ems::test::make_user("Org");
    auto guest = ems::test::make_user("Guest");
    const auto first = ems::test::make_event(org);
    const auto second = ems::test::make_event(org);
    const auto stale = guest;  // attendedevents as the session read it: empty
    BOOST_TEST(ems::events::register_for_event(store(), first, guest) == Outcome::registered);
    BOOST_TEST(ems::events::register_for_event(store(), second, stale) == Outcome::registered);
    BOOST_TEST(attends(guest, first));
    BOOST_TEST(attends(guest, second));
    check_agrees(first, 1);
    check_agrees(second, 1);

    // And the other way: the copy lists an event the user has since left.
    const auto listed = *ems::find_user(store().db(), guest.uid);
    BOOST_TEST(ems::events::remove_participant(store(), first, guest.uid, "test") == Outcome::done);
    const auto third = ems::test::make_event(org);
    BOOST_TEST(ems::events::register_for_event(store(), third, listed) == Outcome::registered);
    BOOST_TEST(!attends(guest, first));
    BOOST_TEST(attends(guest, second));
    BOOST_TEST(attends(guest, third));
}

// A repeat answers "already registered" only once the list is durable; the
// deferred sync of its journal must not fail or leave the list behind.
BOOST_AUTO_TEST_CASE(repeat_registration_inside_a_sync_scope) {
    const auto org = ems::test::make_user("Org");
    const auto guest = ems::test::make_user("Guest");
    const auto id = ems::test::make_event(org);
    ems::storage::DeferredSync outer;
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::registered);
    BOOST_TEST(ems::events::register_for_event(store(), id, guest) == Outcome::already_registered);
    BOOST_TEST(ems::storage::DeferredSync::active() == &outer);
    outer.sync();
    check_agrees(id, 1);
}

BOOST_AUTO_TEST_CASE(unknown_event_is_not_found) {
    const auto guest = ems::test::make_user("Guest");
    BOOST_TEST(ems::events::register_for_event(store(), 999999999, guest) == Outcome::not_found);
    BOOST_TEST(ems::events::remove_participant(store(), 999999999, guest.uid, "test") ==
               Outcome::not_found);
}

BOOST_AUTO_TEST_SUITE_END()
