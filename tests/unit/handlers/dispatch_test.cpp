// The dispatcher called as a plain function, without FastCGI or a socket:
// status mapping, the error boundary and the headers on every response.
// None of these requests needs the database.
#define BOOST_TEST_DYN_LINK
#include "handlers/dispatch.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/log.hpp"
#include "fcgi/string_input.hpp"

namespace {

struct Fixture {
    Fixture() {
        root =
            std::filesystem::temp_directory_path() / ("ems-dispatch-" + std::to_string(getpid()));
        std::filesystem::create_directories(root);
        ems::Config c;
        c.views_dir = "views";
        c.storage_root = (root / "storage").string();
        c.log_dir = (root / "log").string();
        c.enable_test_routes = true;
        app = std::make_unique<ems::App>(c);
    }
    ~Fixture() { std::filesystem::remove_all(root); }

    ems::Response get(const std::string& method, const std::string& path,
                      const std::string& body = "", std::map<std::string, std::string> extra = {}) {
        std::map<std::string, std::string> env{
            {"REQUEST_METHOD", method}, {"DOCUMENT_URI", path}, {"REMOTE_ADDR", "127.0.0.1"}};
        if (method == "POST") {
            env["CONTENT_TYPE"] = "application/x-www-form-urlencoded";
            env["CONTENT_LENGTH"] = std::to_string(body.size());
        }
        for (auto& [k, v] : extra) env[k] = v;
        ems::StringInput in(env, body);
        ems::Request req(in);
        return ems::dispatch(req, *app);
    }

    ems::Response get_to(const std::string& path, ems::ResponseOutput& out) {
        const auto q = path.find('?');
        std::map<std::string, std::string> env{{"REQUEST_METHOD", "GET"},
                                               {"DOCUMENT_URI", path.substr(0, q)},
                                               {"REMOTE_ADDR", "127.0.0.1"}};
        if (q != std::string::npos) env["QUERY_STRING"] = path.substr(q + 1);
        ems::StringInput in(env, "");
        ems::Request req(in);
        return ems::dispatch(req, *app, &out);
    }

    std::filesystem::path root;
    std::unique_ptr<ems::App> app;
};

// An anonymous visitor's CSRF cookie (what the login page sets).
const std::string csrf_cookie = "ems_csrf=" + std::string(64, 'a');

void check_security_headers(const ems::Response& r) {
    BOOST_TEST(r.header("Content-Security-Policy").find("frame-ancestors 'none'") !=
               std::string::npos);
    BOOST_TEST(r.header("X-Content-Type-Options") == "nosniff");
    BOOST_TEST(r.header("X-Frame-Options") == "DENY");
    BOOST_TEST(!r.header("Referrer-Policy").empty());
}

// A worker's output in memory: what was sent (in chunks of `chunk` bytes,
// head included), and whether the response was aborted.
class MemoryOutput final : public ems::ResponseOutput {
  public:
    explicit MemoryOutput(std::size_t chunk) : chunk_(chunk) {}
    void start(std::string head) override { held = std::move(head); }
    void write(std::string_view b) override {
        held.append(b);
        body += b.size();
        if (held.size() >= chunk_) finish();
    }
    bool sent_any() const override { return !sent.empty(); }
    void discard() override {
        held.clear();
        body = 0;
    }
    void finish() override {
        sent += held;
        held.clear();
    }
    void abort() override { aborted = true; }
    std::size_t body_bytes() const override { return body; }
    std::string held, sent;
    std::size_t body = 0;
    bool aborted = false;

  private:
    std::size_t chunk_;
};

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
    const auto with_cookie =
        get("POST", "/auth/login", "email=a%40b.test&password=x", {{"HTTP_COOKIE", csrf_cookie}});
    BOOST_TEST(with_cookie.status == 403);
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413_before_reading) {
    std::map<std::string, std::string> env{{"CONTENT_LENGTH", std::to_string(20 * 1024 * 1024)},
                                           {"HTTP_COOKIE", csrf_cookie}};
    const auto r = get("POST", "/auth/login", "", env);
    BOOST_TEST(r.status == 413);
    BOOST_TEST(r.body.find("too large (at most 64 KB)") != std::string::npos);
}

// Issue 12, medium 6: the body of a form POST is read only once the
// visitor could have a token for it; the picture uploads keep their own,
// larger limit.
BOOST_AUTO_TEST_CASE(a_post_that_cannot_hold_a_valid_token_is_refused_before_its_body_is_read) {
    const std::string body(100 * 1024, 'a');
    std::map<std::string, std::string> env{{"REQUEST_METHOD", "POST"},
                                           {"DOCUMENT_URI", "/auth/login"},
                                           {"REMOTE_ADDR", "127.0.0.1"},
                                           {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                                           {"CONTENT_LENGTH", std::to_string(body.size())}};
    ems::StringInput in(env, body);
    ems::Request req(in);
    const auto r = ems::dispatch(req, *app);
    BOOST_TEST(r.status == 403);
    BOOST_TEST(req.body().empty(), "the body was not read");
    BOOST_TEST(r.body.find("This form has expired") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_form_of_more_than_max_input_vars_fields_gets_400) {
    std::string body;
    for (int i = 0; i < 1001; ++i) body += "a=&";
    const auto r = get("POST", "/auth/login", body, {{"HTTP_COOKIE", csrf_cookie}});
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.body.find("Too many form fields (at most 1000)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_picture_upload_may_be_larger_than_body_limit_but_not_upload_limit) {
    // Signed out, the upload route answers with the login redirect before
    // any body is read, whatever its size.
    const auto r = get("POST", "/dashboard/uploadProfilePicture", "",
                       {{"CONTENT_LENGTH", std::to_string(1024 * 1024)},
                        {"CONTENT_TYPE", "multipart/form-data; boundary=x"}});
    BOOST_TEST(r.status == 302);
    BOOST_TEST(r.header("Location") == "/auth/login");
}

// Issue 12, medium 1: whatever a handler puts in a header, CR, LF and the
// other control characters never reach the client.
BOOST_AUTO_TEST_CASE(a_header_with_a_control_character_turns_the_answer_into_a_500) {
    for (const char* value : {"a%0d%0aSet-Cookie:%20injected=1", "a%0aX-Injected:%20yes", "a%0db",
                              "a%00b", "a%09b", "a%7fb"}) {
        BOOST_TEST_CONTEXT(value) {
            const auto r = get("GET", "/_test/header", "",
                               {{"QUERY_STRING", "name=X-Test&value=" + std::string(value)}});
            BOOST_TEST(r.status == 500);
            BOOST_TEST(r.header("X-Test").empty());
            BOOST_TEST(r.header("Set-Cookie").find("injected") == std::string::npos);
            BOOST_TEST(r.body.find("Error id:") != std::string::npos);
            check_security_headers(r);
        }
    }
    const auto bad_name =
        get("GET", "/_test/header", "", {{"QUERY_STRING", "name=X%0d%0aY&value=1"}});
    BOOST_TEST(bad_name.status == 500);
    const auto fine =
        get("GET", "/_test/header", "", {{"QUERY_STRING", "name=X-Test&value=a%20b"}});
    BOOST_TEST(fine.status == 200);
    BOOST_TEST(fine.header("X-Test") == "a b");
}

// HTTPS seen directly (nginx's HTTPS) or through a trusted proxy's header
// gets HSTS and Secure cookies; the same header from anyone else does not.
BOOST_AUTO_TEST_CASE(https_directly_or_from_a_trusted_proxy_gets_hsts_and_secure_cookies) {
    ems::Config c;
    c.views_dir = "views";
    c.storage_root = (root / "storage").string();
    c.trusted_proxy_header = "X-Forwarded-Proto";
    c.trusted_proxies = "10.0.0.1, 10.0.0.2";
    ems::App proxied(c);
    auto login_page = [&](std::map<std::string, std::string> env) {
        env["REQUEST_METHOD"] = "GET";
        env["DOCUMENT_URI"] = "/auth/login";
        ems::StringInput in(env, "");
        ems::Request req(in);
        return ems::dispatch(req, proxied);
    };
    const auto secure = [](const ems::Response& r) {
        return r.header("Set-Cookie").find("; Secure") != std::string::npos;
    };
    const auto via_proxy =
        login_page({{"REMOTE_ADDR", "10.0.0.2"}, {"HTTP_X_FORWARDED_PROTO", "https"}});
    BOOST_TEST(via_proxy.header("Strict-Transport-Security") == "max-age=31536000");
    BOOST_TEST(secure(via_proxy));
    const auto direct = login_page({{"REMOTE_ADDR", "192.0.2.9"}, {"HTTPS", "on"}});
    BOOST_TEST(direct.header("Strict-Transport-Security") == "max-age=31536000");
    BOOST_TEST(secure(direct));
    const auto spoofed =
        login_page({{"REMOTE_ADDR", "192.0.2.9"}, {"HTTP_X_FORWARDED_PROTO", "https"}});
    BOOST_TEST(spoofed.header("Strict-Transport-Security").empty());
    BOOST_TEST(!secure(spoofed));
    const auto plain =
        login_page({{"REMOTE_ADDR", "10.0.0.1"}, {"HTTP_X_FORWARDED_PROTO", "http"}});
    BOOST_TEST(plain.header("Strict-Transport-Security").empty());
    BOOST_TEST(!secure(plain));
}

BOOST_AUTO_TEST_CASE(api_errors_are_json) {
    const auto r = get("GET", "/api/no/such/thing");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.header("Content-Type").find("application/json") == 0);
    BOOST_TEST(r.body.find("\"error\"") != std::string::npos);
}

// The one mapping of faults to answers: each row is thrown by
// /_test/crash?fault=KIND (handlers/health.cpp) with internals in its message.
struct FaultCase {
    const char* kind;
    int status;
    const char* retry_after;  // "" when there must be none
    const char* message;      // part of what the visitor reads
};

const FaultCase fault_table[] = {
    {"unavailable", 503, "42", "Come back in a while."},
    {"corrupt_list", 503, "300", "participant list needs attention. The site"},
    {"read_only", 503, "60", "The site cannot save changes right now. Please try again later."},
    {"full", 503, "60", "The site cannot save changes right now."},
    {"quota", 503, "60", "The site cannot save changes right now."},
    {"db_refused", 503, "30",
     "The site cannot reach its database right now. Please try again in a minute."},
    {"db_no_listener", 503, "30", "cannot reach its database"},
    {"db_unknown_host", 503, "30", "cannot reach its database"},
    {"db_gone", 503, "30", "cannot reach its database"},
    {"db_lost", 503, "30", "cannot reach its database"},
    {"db_killed", 503, "30", "cannot reach its database"},
    {"db_idle", 503, "30", "cannot reach its database"},
    {"db_too_many", 503, "30", "cannot reach its database"},
    {"db_lock_wait", 503, "5", "This event is busy right now. Please try again in a moment."},
    {"db_duplicate", 409, "", "conflicts with a change saved at the same moment"},
    {"db_syntax", 500, "", "Something went wrong on our side."},
    {"io", 500, "", "Something went wrong on our side."},
    {"plain", 500, "", "Something went wrong on our side."},
};

void check_no_internals(const std::string& body) {
    for (const char* leak :
         {"secret", "SELECT", "MariaDB", "participants/7", "forced failure", "cannot write"})
        BOOST_TEST(body.find(leak) == std::string::npos, "leaks " << leak);
}

BOOST_AUTO_TEST_CASE(faults_map_to_one_status_and_page_each) {
    for (const auto& f : fault_table) {
        BOOST_TEST_CONTEXT("fault " << f.kind) {
            const auto r =
                get("GET", "/_test/crash", "", {{"QUERY_STRING", std::string("fault=") + f.kind}});
            BOOST_TEST(r.status == f.status);
            BOOST_TEST(r.header("Content-Type").find("text/html") == 0);
            BOOST_TEST(r.header("Retry-After") == f.retry_after);
            BOOST_TEST(r.body.find(f.message) != std::string::npos, r.body);
            // Every 503 and 500 carries an error id whose cause is in the log.
            BOOST_TEST((r.body.find("Error id:") != std::string::npos) == (f.status >= 500));
            if (f.status == 503) BOOST_TEST(r.body.find("Try again") != std::string::npos);
            check_no_internals(r.body);
            check_security_headers(r);
        }
    }
}

BOOST_AUTO_TEST_CASE(faults_answer_json_to_a_client_that_asks_for_json) {
    for (const auto& f : fault_table) {
        BOOST_TEST_CONTEXT("fault " << f.kind) {
            const auto r = get("GET", "/_test/crash", "",
                               {{"QUERY_STRING", std::string("fault=") + f.kind},
                                {"HTTP_ACCEPT", "application/json"}});
            BOOST_TEST(r.status == f.status);
            BOOST_TEST(r.header("Content-Type").find("application/json") == 0);
            BOOST_TEST(r.header("Retry-After") == f.retry_after);
            Json::Value v;
            BOOST_REQUIRE(Json::Reader().parse(r.body, v));
            BOOST_TEST(v["error"].asString().find(f.message) != std::string::npos, r.body);
            BOOST_TEST(v.isMember("error_id") == (f.status >= 500));
            check_no_internals(r.body);
        }
    }
}

BOOST_AUTO_TEST_CASE(fault_causes_go_to_the_error_log_once_with_the_error_id) {
    ems::log::open((root / "log").string());
    const auto r =
        get("GET", "/_test/crash", "",
            {{"QUERY_STRING", "fault=corrupt_list"}, {"HTTP_ACCEPT", "application/json"}});
    Json::Value v;
    BOOST_REQUIRE(Json::Reader().parse(r.body, v));
    const auto id = v["error_id"].asString();
    BOOST_REQUIRE(!id.empty());
    std::ifstream in(root / "log" / "error.log");
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
        if (line.find("error_id=" + id) == std::string::npos) continue;
        ++lines;
        BOOST_TEST(line.find("/srv/secret/participants/7.json") != std::string::npos,
                   "the log has the path");
    }
    BOOST_TEST(lines == 1);
}

BOOST_AUTO_TEST_CASE(an_app_starts_without_a_writable_storage_and_health_says_so) {
    // A storage root that cannot be created: App must still construct and
    // answer, and /health must report it instead of failing.
    ems::Config c;
    c.views_dir = "views";
    c.storage_root = "/proc/ems-no-such-storage";
    c.db_host = "127.0.0.1";
    c.db_port = 1;  // nothing listens: the database is unreachable at once
    c.db_socket = "";
    c.enable_test_routes = true;
    ems::App broken(c);
    std::map<std::string, std::string> env{
        {"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", "/health"}, {"REMOTE_ADDR", "127.0.0.1"}};
    ems::StringInput in(env, "");
    ems::Request req(in);
    const auto r = ems::dispatch(req, broken);
    BOOST_TEST(r.status == 503);
    Json::Value v;
    BOOST_REQUIRE(Json::Reader().parse(r.body, v));
    BOOST_TEST(v["status"].asString() == "degraded");
    BOOST_TEST(v["db"]["ok"].asBool() == false);
    BOOST_TEST(v["db"]["error"].asString() == "database unreachable");
    BOOST_TEST(v["storage"].asString() == "read-only");
    BOOST_TEST(r.body.find("/proc") == std::string::npos, "no path on a public page");
    std::map<std::string, std::string> env2{
        {"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", "/auth/login"}, {"REMOTE_ADDR", "127.0.0.1"}};
    ems::StringInput in2(env2, "");
    ems::Request login(in2);
    BOOST_TEST(ems::dispatch(login, broken).status == 200);
}

BOOST_AUTO_TEST_CASE(a_streamed_body_goes_out_in_chunks_after_its_head) {
    MemoryOutput out(32 * 1024);
    get_to("/_test/stream?bytes=100000", out);
    BOOST_TEST(out.sent.rfind("Status: 200 OK\r\n", 0) == 0);
    BOOST_TEST(out.sent.find("X-Frame-Options: DENY\r\n") != std::string::npos);
    BOOST_TEST(out.sent.size() - out.sent.find("\r\n\r\n") - 4 == 100000u);
    BOOST_TEST(out.body_bytes() == 100000u);
    BOOST_TEST(!out.aborted);
    BOOST_TEST(get("GET", "/_test/stream", "", {{"QUERY_STRING", "bytes=5000"}}).body ==
                   std::string(5000, 'x'),
               "without an output the stream is collected into the body");
}

BOOST_AUTO_TEST_CASE(a_stream_that_fails_before_its_first_chunk_gets_the_error_page) {
    MemoryOutput out(32 * 1024);
    get_to("/_test/stream?bytes=100000&fail_at=4096", out);
    BOOST_TEST(out.sent.rfind("Status: 500", 0) == 0);
    BOOST_TEST(out.sent.find("Error id:") != std::string::npos);
    BOOST_TEST(out.sent.find("xxxx") == std::string::npos);
    BOOST_TEST(out.sent.find("/srv/secret") == std::string::npos);
    BOOST_TEST(!out.aborted);
    const auto r = get("GET", "/_test/stream", "", {{"QUERY_STRING", "bytes=100000&fail_at=4096"}});
    BOOST_TEST(r.status == 500);
    BOOST_TEST(r.body.find("xxxx") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_stream_that_fails_after_its_first_chunk_is_cut_and_logged) {
    ems::log::open((root / "log").string());
    MemoryOutput out(32 * 1024);
    get_to("/_test/stream?bytes=100000&fail_at=65536", out);
    BOOST_TEST(out.sent.rfind("Status: 200 OK\r\n", 0) == 0);
    BOOST_TEST(out.aborted, "the FastCGI request must end without its end record");
    BOOST_TEST(out.body_bytes() == 65536u);
    std::ifstream log(root / "log" / "error.log");
    std::stringstream text;
    text << log.rdbuf();
    BOOST_TEST(text.str().find("the streamed response failed after 65536 bytes") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
