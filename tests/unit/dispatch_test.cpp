// The dispatcher called as a plain function, without FastCGI or a socket:
// status mapping, the error boundary and the headers on every response.
// None of these requests needs the database.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "fcgi/dispatch.hpp"
#include "fcgi/string_input.hpp"

namespace {

struct Fixture {
    Fixture() {
        root = std::filesystem::temp_directory_path() / ("ems-dispatch-" + std::to_string(getpid()));
        std::filesystem::create_directories(root);
        ems::Config c;
        c.views_dir = "views";
        c.storage_root = (root / "storage").string();
        c.log_dir = (root / "log").string();
        c.enable_test_routes = true;
        app = std::make_unique<ems::App>(c);
    }
    ~Fixture() { std::filesystem::remove_all(root); }

    ems::Response get(const std::string& method, const std::string& path, const std::string& body = "",
                      std::map<std::string, std::string> extra = {}) {
        std::map<std::string, std::string> env{{"REQUEST_METHOD", method}, {"DOCUMENT_URI", path},
                                               {"REMOTE_ADDR", "127.0.0.1"}};
        if (method == "POST") {
            env["CONTENT_TYPE"] = "application/x-www-form-urlencoded";
            env["CONTENT_LENGTH"] = std::to_string(body.size());
        }
        for (auto& [k, v] : extra) env[k] = v;
        ems::StringInput in(env, body);
        ems::Request req(in);
        return ems::dispatch(req, *app);
    }

    std::filesystem::path root;
    std::unique_ptr<ems::App> app;
};

void check_security_headers(const ems::Response& r) {
    BOOST_TEST(r.header("Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
    BOOST_TEST(r.header("X-Content-Type-Options") == "nosniff");
    BOOST_TEST(r.header("X-Frame-Options") == "DENY");
    BOOST_TEST(!r.header("Referrer-Policy").empty());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dispatch, Fixture)

BOOST_AUTO_TEST_CASE(login_page_renders_with_the_php_title) {
    const auto r = get("GET", "/auth/login");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("<title>Login - Event Management System</title>") != std::string::npos);
    BOOST_TEST(r.body.find("name=\"csrf_token\"") != std::string::npos);
    check_security_headers(r);
}

BOOST_AUTO_TEST_CASE(unknown_routes_get_the_404_page) {
    const auto r = get("GET", "/nosuchthing/at/all");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.header("Content-Type").find("text/html") == 0);
    check_security_headers(r);
}

BOOST_AUTO_TEST_CASE(wrong_methods_get_405_with_allow) {
    const auto r = get("DELETE", "/auth/login");
    BOOST_TEST(r.status == 405);
    BOOST_TEST(r.header("Allow").find("GET") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exceptions_become_a_500_page_with_an_error_id_and_no_internals) {
    const auto r = get("GET", "/_test/crash");
    BOOST_TEST(r.status == 500);
    BOOST_TEST(r.body.find("Error id:") != std::string::npos);
    BOOST_TEST(r.body.find("forced failure") == std::string::npos);
    check_security_headers(r);
}

BOOST_AUTO_TEST_CASE(posts_without_a_csrf_token_are_refused) {
    const auto r = get("POST", "/auth/login", "email=a%40b.test&password=x");
    BOOST_TEST(r.status == 403);
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413_before_reading) {
    std::map<std::string, std::string> env{{"CONTENT_LENGTH", std::to_string(20 * 1024 * 1024)}};
    const auto r = get("POST", "/auth/login", "", env);
    BOOST_TEST(r.status == 413);
}

BOOST_AUTO_TEST_CASE(api_errors_are_json) {
    const auto r = get("GET", "/api/no/such/thing");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.header("Content-Type").find("application/json") == 0);
    BOOST_TEST(r.body.find("\"error\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
