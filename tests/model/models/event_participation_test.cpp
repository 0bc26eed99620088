// models/event_participation.cpp against MariaDB: register, duplicate,
// capacity, approval, cancel; after each, participantcount equals the
// participants file and the attended list names the event.
#define BOOST_TEST_DYN_LINK
#include "models/event_participation.hpp"

#include <boost/test/unit_test.hpp>

#include "models/event.hpp"
#include "tests/model/fixture.hpp"
#include "tests/model/helpers.hpp"

using ems::test::ModelFixture;
namespace events = ems::events;
using events::Outcome;

namespace {

struct ParticipationFixture : ModelFixture {
    ems::User owner = ems::test::make_user(*this, "org@example.org");

    std::int64_t event(std::optional<long long> capacity = std::nullopt, bool approval = false) {
        return events::create_event(*this, ems::test::event_input("Talk", capacity, approval),
                                    owner)
            .id;
    }
    // participantcount, checked against the participants file.
    long long count(std::int64_t id) {
        const long long stored = events::find_event(db(), id)->participantcount;
        BOOST_TEST(static_cast<std::size_t>(stored) == files().count_participants(id));
        return stored;
    }
    std::string attended(const std::string& uid) {
        return ems::find_user(db(), uid)->attendedevents;
    }
};

int as_int(Outcome o) {
    return static_cast<int>(o);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(event_participation, ParticipationFixture)

BOOST_AUTO_TEST_CASE(register_then_again_is_already_registered_and_counted_once) {
    const auto id = event();
    const auto ada = ems::test::make_user(*this, "ada@example.org");
    BOOST_TEST(as_int(events::register_for_event(*this, id, ada)) == as_int(Outcome::registered));
    BOOST_TEST(as_int(events::register_for_event(*this, id, ada)) ==
               as_int(Outcome::already_registered));
    BOOST_TEST(count(id) == 1);
    BOOST_TEST(files().is_user_participant(id, ada.uid));
    const auto list = events::parse_attended(attended(ada.uid));
    BOOST_TEST(list.size() == 1u);
    BOOST_TEST(list.at(0) == std::to_string(id));
}

BOOST_AUTO_TEST_CASE(capacity_is_enforced_and_a_cancellation_frees_the_seat) {
    const auto id = event(2);
    const auto a = ems::test::make_user(*this, "a@example.org");
    const auto b = ems::test::make_user(*this, "b@example.org");
    const auto c = ems::test::make_user(*this, "c@example.org");
    BOOST_TEST(as_int(events::register_for_event(*this, id, a)) == as_int(Outcome::registered));
    BOOST_TEST(as_int(events::register_for_event(*this, id, b)) == as_int(Outcome::registered));
    BOOST_TEST(as_int(events::register_for_event(*this, id, c)) == as_int(Outcome::full));
    BOOST_TEST(count(id) == 2);
    BOOST_TEST(!files().is_user_participant(id, c.uid));

    BOOST_TEST(as_int(events::remove_participant(*this, id, a.uid, a.uid)) ==
               as_int(Outcome::done));
    BOOST_TEST(count(id) == 1);
    BOOST_TEST(events::parse_attended(attended(a.uid)).empty());
    BOOST_TEST(as_int(events::remove_participant(*this, id, a.uid, a.uid)) ==
               as_int(Outcome::not_registered));
    BOOST_TEST(as_int(events::register_for_event(*this, id, c)) == as_int(Outcome::registered));
    BOOST_TEST(count(id) == 2);
}

BOOST_AUTO_TEST_CASE(approval_events_take_pending_registrations_until_approved) {
    const auto id = event(std::nullopt, true);
    const auto a = ems::test::make_user(*this, "a@example.org");
    BOOST_TEST(as_int(events::register_for_event(*this, id, a)) == as_int(Outcome::pending));
    BOOST_TEST(files().is_user_participant(id, a.uid));
    count(id);
    BOOST_TEST(as_int(events::approve_participant(*this, id, a.uid, owner.uid)) ==
               as_int(Outcome::done));
    count(id);
}

BOOST_AUTO_TEST_CASE(closed_and_unknown_events_take_nobody) {
    const auto id = event();
    auto in = ems::test::event_input("Talk");
    in.settings.registration_open = false;
    events::update_event(*this, *events::find_event(db(), id), in, owner);
    const auto a = ems::test::make_user(*this, "a@example.org");
    BOOST_TEST(as_int(events::register_for_event(*this, id, a)) == as_int(Outcome::closed));
    BOOST_TEST(as_int(events::register_for_event(*this, id + 1000, a)) ==
               as_int(Outcome::not_found));
    BOOST_TEST(count(id) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
