// Links from route names: url_for builds what match_route matches, for
// every row of the table; aliases are matched but never built.
#define BOOST_TEST_DYN_LINK
#include <cgicc/CgiUtils.h>

#include <boost/test/unit_test.hpp>
#include <set>
#include <string_view>

#include "handlers/router.hpp"

using ems::match_route;
using ems::routes;
using ems::url_for;

namespace {

// A sample value for every {param} of a pattern, one that needs encoding
// (a '/' in a value cannot round-trip: the request decodes the path before
// routing, as the PHP app did).
std::map<std::string, std::string> sample_params(const std::string& pattern) {
    std::map<std::string, std::string> params;
    for (auto open = pattern.find('{'); open != std::string::npos;
         open = pattern.find('{', open + 1)) {
        const auto name = pattern.substr(open + 1, pattern.find('}', open) - open - 1);
        params[name] = name + " 7+é";
    }
    return params;
}

std::string with_prefix_swapped(std::string path, const std::string& from, const std::string& to) {
    return path.rfind(from, 0) == 0 ? to + path.substr(from.size()) : path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(url_for_links)

BOOST_AUTO_TEST_CASE(every_named_route_round_trips_through_match_route) {
    for (const auto& r : routes()) {
        BOOST_TEST_CONTEXT(r.name) {
            const auto params = sample_params(r.pattern);
            const auto path = url_for(r.name, params);
            BOOST_TEST(path.find_first_of(" +\xC3") == std::string::npos, path);
            // Decoded as Request decodes REQUEST_URI before routing.
            const auto m =
                match_route(routes(), r.method, cgicc::form_urldecode(path), r.test_only);
            BOOST_TEST(m.route == &r);
            BOOST_TEST((m.params == params));
        }
    }
}

BOOST_AUTO_TEST_CASE(route_names_are_unique) {
    std::set<std::string> names;
    for (const auto& r : routes()) BOOST_TEST(names.insert(r.name).second, r.name);
}

BOOST_AUTO_TEST_CASE(event_aliases_reach_their_row_and_links_use_the_canonical_path) {
    std::size_t aliased = 0;
    for (const auto& r : routes()) {
        if (!r.alias) continue;
        ++aliased;
        BOOST_TEST_CONTEXT(r.name) {
            const auto canonical = url_for(r.name, sample_params(r.pattern));
            BOOST_TEST(canonical.rfind("/events/", 0) == 0);
            const auto alias = with_prefix_swapped(canonical, "/events/", "/event/");
            const auto m = match_route(routes(), r.method, alias, false);
            BOOST_TEST(m.route == &r);
            BOOST_TEST(url_for(r.name, m.params).rfind("/events/", 0) == 0);
        }
    }
    std::size_t event_rows = 0;
    for (const auto& r : routes())
        event_rows += std::string_view(r.pattern).starts_with("/events/");
    BOOST_TEST(event_rows >= 17u);
    BOOST_TEST(aliased == event_rows, "every /events/ row keeps the PHP /event/ alias");
}

BOOST_AUTO_TEST_CASE(an_alias_counts_for_405_allow) {
    const auto m = match_route(routes(), "DELETE", "/event/manage/4/participants/9/remove", false);
    BOOST_TEST(m.route == nullptr);
    BOOST_TEST(m.allow == "POST");
    const auto both = match_route(routes(), "PUT", "/event/edit/4", false);
    BOOST_TEST(both.allow == "GET, POST");
}

BOOST_AUTO_TEST_CASE(parameters_are_percent_encoded_and_literals_kept_as_written) {
    BOOST_TEST(url_for("manage_event", {{"id", "12"}}) == "/events/manage/12");
    BOOST_TEST(url_for("approve_participant", {{"id", "3"}, {"uid", "a-b_c"}}) ==
               "/events/manage/3/participants/a-b_c/approve");
    BOOST_TEST(url_for("reset_request") == "/auth/resetRequest");
    BOOST_TEST(url_for("register_event", {{"eventkey", "A/B?"}}) == "/events/register/A%2FB%3F");
    BOOST_TEST(url_for("home") == "/");
}

BOOST_AUTO_TEST_CASE(query_parameters_follow_the_path_in_order_and_encoded) {
    BOOST_TEST(url_for("manage_event", {{"id", "5"}}, {{"page", "2"}}) ==
               "/events/manage/5?page=2");
    BOOST_TEST(url_for("dashboard", {}, {{"a", "1"}, {"b c", "x&y"}}) ==
               "/dashboard?a=1&b%20c=x%26y");
}

BOOST_AUTO_TEST_CASE(fixed_links_are_the_routes_without_parameters) {
    const auto links = ems::fixed_links();
    BOOST_TEST(links.at("dashboard") == "/dashboard");
    BOOST_TEST(links.at("logout_post") == "/auth/logout");
    BOOST_TEST(links.count("manage_event") == 0u);
    BOOST_TEST(links.count("test_crash") == 0u, "test routes are never linked");
}

BOOST_AUTO_TEST_SUITE_END()
