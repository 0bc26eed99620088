// The route table: PHP-style matching and url_for.
#define BOOST_TEST_DYN_LINK
#include "handlers/router.hpp"

#include <boost/test/unit_test.hpp>

using ems::match_route;
using ems::routes;

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(literals_match_case_insensitively_and_trailing_slash_is_ignored) {
    BOOST_TEST(match_route(routes(), "GET", "/Dashboard/Profile", false).route != nullptr);
    BOOST_TEST(match_route(routes(), "GET", "/auth/login/", false).route != nullptr);
    BOOST_TEST(match_route(routes(), "GET", "//auth//login", false).route != nullptr);
}

BOOST_AUTO_TEST_CASE(parameters_are_captured) {
    const auto m = match_route(routes(), "GET", "/auth/resetPassword/abc123", false);
    BOOST_REQUIRE(m.route);
    BOOST_TEST(m.params.at("token") == "abc123");
}

BOOST_AUTO_TEST_CASE(unknown_paths_do_not_match_and_wrong_methods_list_allow) {
    BOOST_TEST(match_route(routes(), "GET", "/nosuchthing", false).route == nullptr);
    const auto m = match_route(routes(), "DELETE", "/auth/login", false);
    BOOST_TEST(m.route == nullptr);
    BOOST_TEST(m.allow.find("GET") != std::string::npos);
    BOOST_TEST(m.allow.find("POST") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(head_is_answered_by_get_routes) {
    BOOST_TEST(match_route(routes(), "HEAD", "/auth/login", false).route != nullptr);
}

BOOST_AUTO_TEST_CASE(test_routes_only_when_enabled) {
    BOOST_TEST(match_route(routes(), "GET", "/_test/crash", false).route == nullptr);
    BOOST_TEST(match_route(routes(), "GET", "/_test/crash", true).route != nullptr);
}

BOOST_AUTO_TEST_CASE(url_for_builds_paths_and_encodes_parameters) {
    BOOST_TEST(ems::url_for("login") == "/auth/login");
    BOOST_TEST(ems::url_for("reset_password", {{"token", "a b/c"}}) ==
               "/auth/resetPassword/a%20b%2Fc");
    BOOST_CHECK_THROW(ems::url_for("reset_password"), std::logic_error);
    BOOST_CHECK_THROW(ems::url_for("no_such_route"), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
