// `ems-admin check` on a planted drift, and idempotency tokens on event
// creation, against the real schema.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>

#include "models/event.hpp"
#include "models/event_check.hpp"
#include "models/event_participation.hpp"
#include "models/idempotency.hpp"
#include "tests/model/model_fixture.hpp"

using ems::events::Outcome;
using ems::test::scalar;
using ems::test::store;

namespace {

const ems::events::Problem* find_problem(const ems::events::CheckReport& r, const std::string& kind,
                                         const std::string& subject) {
    for (const auto& p : r.problems)
        if (p.kind == kind && p.subject == subject) return &p;
    return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_check)

BOOST_AUTO_TEST_CASE(count_drift_is_found_then_repaired) {
    const auto org = ems::test::make_user("Org");
    const auto id = ems::test::make_event(org, {}, "Drift event");
    for (const char* name : {"One", "Two"})
        BOOST_TEST_REQUIRE(ems::events::register_for_event(
                               store(), id, ems::test::make_user(name)) == Outcome::registered);
    const auto subject = "event " + std::to_string(id);
    auto report = ems::events::check_consistency(store().db(), store().files(), false);
    BOOST_TEST(find_problem(report, "count_drift", subject) == nullptr);

    // The drift a crash between the file write and the COMMIT leaves.
    store().db().exec("UPDATE events SET participantcount = 7 WHERE eventid = ?",
                      {static_cast<long long>(id)});

    report = ems::events::check_consistency(store().db(), store().files(), false);
    const auto* found = find_problem(report, "count_drift", subject);
    BOOST_TEST_REQUIRE(found != nullptr);
    BOOST_TEST(found->detail.find("participantcount 7") != std::string::npos, found->detail);
    BOOST_TEST(found->repaired == "");
    BOOST_TEST(report.exit_code() == 1);
    BOOST_TEST(scalar("SELECT participantcount FROM events WHERE eventid = ?",
                      {static_cast<long long>(id)}) == 7);

    report = ems::events::check_consistency(store().db(), store().files(), true);
    found = find_problem(report, "count_drift", subject);
    BOOST_TEST_REQUIRE(found != nullptr);
    BOOST_TEST(found->repaired == "participantcount = 2");
    BOOST_TEST(scalar("SELECT participantcount FROM events WHERE eventid = ?",
                      {static_cast<long long>(id)}) == 2);

    report = ems::events::check_consistency(store().db(), store().files(), false);
    BOOST_TEST(find_problem(report, "count_drift", subject) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(idempotency)

BOOST_AUTO_TEST_CASE(same_token_twice_creates_one_event) {
    const auto org = ems::test::make_user("Org");
    const auto token = ems::idempotency::new_form_token();
    BOOST_TEST(ems::idempotency::valid_form_token(token));
    const auto id = ems::idempotency::token_id("event_create", org.uid, token);
    const auto in = ems::test::event_input("Idempotent event");

    const auto first = ems::events::create_event(store(), in, org, id);
    const auto second = ems::events::create_event(store(), in, org, id);
    BOOST_TEST(!first.replayed);
    BOOST_TEST(second.replayed);
    BOOST_TEST(second.id == first.id);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE eventcreator = ? AND eventname = ?",
                      {org.uid, in.name}) == 1);
    BOOST_TEST(ems::idempotency::find(store().db(), id).value_or("") ==
               "event:" + std::to_string(first.id));

    // Another token is another event.
    const auto other =
        ems::idempotency::token_id("event_create", org.uid, ems::idempotency::new_form_token());
    const auto third = ems::events::create_event(store(), in, org, other);
    BOOST_TEST(!third.replayed);
    BOOST_TEST(third.id != first.id);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM events WHERE eventcreator = ? AND eventname = ?",
                      {org.uid, in.name}) == 2);
}

BOOST_AUTO_TEST_CASE(a_token_is_bound_to_its_user) {
    const auto a = ems::test::make_user("A");
    const auto b = ems::test::make_user("B");
    const auto token = ems::idempotency::new_form_token();
    const auto in = ems::test::event_input("Same token, two users");
    const auto ea = ems::events::create_event(
        store(), in, a, ems::idempotency::token_id("event_create", a.uid, token));
    const auto eb = ems::events::create_event(
        store(), in, b, ems::idempotency::token_id("event_create", b.uid, token));
    BOOST_TEST(!eb.replayed);
    BOOST_TEST(eb.id != ea.id);
}

BOOST_AUTO_TEST_SUITE_END()
