// core/pool_state: the scoreboard's figures as the status page and the
// Prometheus text show them, and the per-request phase timer. One block per
// process (create is idempotent), so the cases count from what they find.
#define BOOST_TEST_DYN_LINK
#include "core/pool_state.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>

namespace ps = ems::pool_state;

BOOST_AUTO_TEST_SUITE(core_pool_state)

BOOST_AUTO_TEST_CASE(without_a_block_every_call_does_nothing) {
    if (ps::active()) return;  // another case ran first
    ps::begin_request("GET", "x");
    ps::end_request("login", 200, 0.01);
    BOOST_TEST(ps::metrics_text().empty());
    BOOST_TEST(ps::status_text(true, false, "ems") == "{}");
}

BOOST_AUTO_TEST_CASE(requests_show_on_the_status_page_and_in_the_metrics) {
    ps::create(4);
    const int slot = ps::claim_slot(static_cast<int>(getpid()));
    BOOST_REQUIRE(slot >= 0);
    ps::set_my_slot(slot);
    ps::set_routes({"ping", "login", "register_event"});
    ps::begin_request("POST", "req-1");
    ps::set_route("register_event", "u-7");
    const auto during = ps::status_text(false, true, "ems");
    BOOST_TEST(during.find("active processes:    1\n") != std::string::npos, during);
    BOOST_TEST(during.find("request uri:         register_event\n") != std::string::npos);
    BOOST_TEST(during.find("user:                u-7\n") != std::string::npos);
    ps::count_registration(ps::Registration::registered);
    ps::end_request("register_event", 302, 0.02);
    ps::finish_request();
    ps::begin_request("GET", "req-2");
    ps::end_request("nosuch", 404, 3.0);  // no such route: counted as "none"
    ps::finish_request();
    const auto m = ps::metrics_text();
    BOOST_TEST(m.find("ems_http_requests_total{route=\"register_event\",status=\"302\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(m.find("ems_http_requests_total{route=\"none\",status=\"404\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(m.find("ems_http_request_duration_seconds_bucket{route=\"register_event\",le="
                      "\"0.025\"} 1\n") != std::string::npos);
    BOOST_TEST(m.find("ems_http_request_duration_seconds_bucket{route=\"register_event\",le="
                      "\"0.01\"} 0\n") != std::string::npos);
    BOOST_TEST(m.find("ems_registrations_total{outcome=\"registered\"} 1\n") != std::string::npos);
    BOOST_TEST(m.find("# TYPE ems_http_request_duration_seconds histogram\n") != std::string::npos);
    const auto after = ps::status_text(true, true, "ems");
    BOOST_TEST(after.find("\"active processes\":0") != std::string::npos, after);
    BOOST_TEST(after.find("\"requests\":2") != std::string::npos);
    ps::release_slot(slot);
}

BOOST_AUTO_TEST_CASE(phases_add_up_and_nested_scopes_count_once) {
    ps::reset_phases();
    const auto t0 = std::chrono::steady_clock::now();
    {
        const ps::Scope outer(ps::Phase::storage);
        const ps::Scope inner(ps::Phase::storage);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double storage = ps::phase_seconds(ps::Phase::storage);
    BOOST_TEST(storage >= 0.02);
    BOOST_TEST(storage <= elapsed);  // counted once: twice would be about 2 x elapsed
    BOOST_TEST(ps::phase_seconds(ps::Phase::db) == 0.0);
    ps::reset_phases();
    BOOST_TEST(ps::phase_seconds(ps::Phase::storage) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
