// The route table type and matching. Paths match segment by segment,
// literals case-insensitively (as the PHP router did), a trailing slash ignored.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "handlers/response.hpp"

namespace ems {

struct Ctx;
using Handler = Response (*)(Ctx&);

enum class Access {
    anyone,  // public page or API
    guest,   // login/register: a signed-in user is sent to /dashboard
    user,    // signed in, else 302 /auth/login (HTML) or 401 (API)
};

struct Route {
    const char* method;   // GET, POST, DELETE; GET also answers HEAD
    const char* pattern;  // "/events/manage/{id}"
    Handler handler;
    const char* name;  // for url_for, unique
    Access access;
    // A second pattern answered by the same row (the PHP app's /event/...
    // for /events/...); url_for never builds it.
    const char* alias = nullptr;
    bool test_only = false;  // served only when enable_test_routes is on
};

const std::vector<Route>& routes();

struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::string allow;  // methods of routes whose pattern matched, for 405
};

Match match_route(const std::vector<Route>& table, const std::string& method,
                  const std::string& path, bool test_routes);
using Query = std::vector<std::pair<std::string, std::string>>;
// The path of the named route's (first) pattern with its parameters
// percent-encoded, then `?k=v&...` when a query is given. Throws
// std::logic_error for an unknown name or a missing parameter: a
// programming error, caught by the unit tests.
std::string url_for(const std::string& name, const std::map<std::string, std::string>& params = {},
                    const Query& query = {});
// A path parameter as url_for puts it: everything but RFC 3986 unreserved
// characters percent-encoded (form encoding's '+' for a space would mean a
// literal '+' in a path).
std::string url_segment(const std::string& s);
// The path of every route without parameters, by name: the links
// templates use as {{url.NAME}} (views/render.hpp).
std::map<std::string, std::string> fixed_links();

}  // namespace ems
