// The route table: every route of ems, one row each.
#include "fcgi/router.hpp"
#include "handlers/handlers.hpp"

namespace ems {

const std::vector<Route>& routes() {
    using A = Access;
    static const std::vector<Route> table = {
        {"GET", "/", show_home, "home", A::anyone},
        {"GET", "/health", show_health, "health", A::anyone},
        {"GET", "/auth/login", show_login, "login", A::guest},
        {"POST", "/auth/login", login, "login_post", A::guest},
        {"GET", "/auth/register", show_register, "register", A::guest},
        {"POST", "/auth/register", register_user, "register_post", A::guest},
        {"GET", "/auth/logout", logout, "logout", A::anyone},
        {"POST", "/auth/logout", logout, "logout_post", A::anyone},
        {"GET", "/_test/crash", test_crash, "test_crash", A::anyone, true},
        {"GET", "/_test/sleep", test_sleep, "test_sleep", A::anyone, true},
    };
    return table;
}

}  // namespace ems
