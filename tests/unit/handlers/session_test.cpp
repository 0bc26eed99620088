// handlers/session: safe_local_path (where to send a visitor after signing
// in: never another site) and check_csrf (which state-changing requests are
// refused), table-driven with hostile input. No database needed.
#define BOOST_TEST_DYN_LINK
#include "handlers/session.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "fcgi/string_input.hpp"
#include "handlers/app.hpp"
#include "handlers/router.hpp"

BOOST_AUTO_TEST_SUITE(session)

BOOST_AUTO_TEST_CASE(safe_local_path_allows_only_paths_on_this_site) {
    const std::vector<std::pair<std::string, bool>> cases = {
        {"/", true},
        {"/dashboard", true},
        {"/events/manage/12?page=2#top", true},
        {"/caf\xC3\xA9", true},
        {"/../../etc/passwd", true},  // a path on this site; the router resolves it
        {"", false},
        {"dashboard", false},
        {"//evil.example", false},
        {"//evil.example/dashboard", false},
        {"/\\evil.example", false},
        {"/a\\b", false},
        {"\\\\evil.example", false},
        {"http://evil.example/", false},
        {"https:evil.example", false},
        {"javascript:alert(1)", false},
        {" /dashboard", false},
        {"/dash\r\nSet-Cookie: x=1", false},
        {"/dash\nboard", false},
        {std::string("/dash\0board", 11), false},
        {"/tab\there", false},
        {"/\x7f", false},
        {"/\xC0\xAF", false},      // overlong "/"
        {"/\xED\xA0\x80", false},  // surrogate
        {"/\xFF", false},
        {"/" + std::string(1023, 'a'), true},
        {"/" + std::string(1024, 'a'), false},
    };
    for (const auto& [in, ok] : cases) BOOST_TEST(ems::safe_local_path(in) == ok, "path " << in);
}

namespace {

ems::Response noop(ems::Ctx&) {
    return {};
}
const ems::Route post_route{"POST", "/x", noop, "x", ems::Access::anyone};

struct CsrfFixture {
    std::filesystem::path root =
        std::filesystem::temp_directory_path() / ("ems-csrf-" + std::to_string(getpid()));
    std::unique_ptr<ems::App> app;
    CsrfFixture() {
        ems::Config c;
        c.storage_root = (root / "storage").string();
        c.log_dir = (root / "log").string();
        app = std::make_unique<ems::App>(c);
    }
    ~CsrfFixture() { std::filesystem::remove_all(root); }

    // Runs check_csrf on one anonymous request; true when it is refused.
    bool refused(const std::string& method, const std::string& path, const std::string& body,
                 std::map<std::string, std::string> env) {
        env.emplace("REQUEST_METHOD", method);
        env.emplace("DOCUMENT_URI", path);
        env.emplace("REMOTE_ADDR", "127.0.0.1");
        env.emplace("HTTP_HOST", "ems.example");
        env.emplace("SERVER_PORT", "8080");
        if (!body.empty()) {
            env.emplace("CONTENT_TYPE", "application/x-www-form-urlencoded");
            env["CONTENT_LENGTH"] = std::to_string(body.size());
        }
        ems::StringInput in(env, body);
        ems::Request req(in);
        req.read_body(1 << 20);  // as dispatch does before check_csrf
        ems::Ctx ctx(req, *app);
        ctx.route = &post_route;
        try {
            ems::check_csrf(ctx);
            return false;
        } catch (const ems::Forbidden&) {
            return true;
        }
    }
};

const std::string token(64, 'a');

}  // namespace

BOOST_FIXTURE_TEST_CASE(check_csrf_refuses_what_a_foreign_page_could_send, CsrfFixture) {
    struct Case {
        const char* what;
        std::string method, path, body;
        std::map<std::string, std::string> env;
        bool refused;
    };
    const std::string cookie = "ems_csrf=" + token;
    const std::vector<Case> cases = {
        {"GET is never checked", "GET", "/x", "", {}, false},
        {"HEAD is never checked", "HEAD", "/x", "", {}, false},
        {"matching cookie and field",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}},
         false},
        {"matching cookie and header",
         "POST",
         "/x",
         "a=1",
         {{"HTTP_COOKIE", cookie}, {"HTTP_X_CSRF_TOKEN", token}},
         false},
        {"same origin",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}, {"HTTP_ORIGIN", "http://ems.example"}},
         false},
        {"same origin with the port",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}, {"HTTP_ORIGIN", "http://ems.example:8080"}},
         false},
        {"no token at all", "POST", "/x", "a=1", {}, true},
        {"field without cookie", "POST", "/x", "csrf_token=" + token, {}, true},
        {"cookie without field", "POST", "/x", "a=1", {{"HTTP_COOKIE", cookie}}, true},
        {"field differs from cookie",
         "POST",
         "/x",
         "csrf_token=" + std::string(64, 'b'),
         {{"HTTP_COOKIE", cookie}},
         true},
        {"short token", "POST", "/x", "csrf_token=abc", {{"HTTP_COOKIE", "ems_csrf=abc"}}, true},
        {"non-hex token",
         "POST",
         "/x",
         "csrf_token=" + std::string(64, 'z'),
         {{"HTTP_COOKIE", "ems_csrf=" + std::string(64, 'z')}},
         true},
        {"empty cookie and field",
         "POST",
         "/x",
         "csrf_token=",
         {{"HTTP_COOKIE", "ems_csrf="}},
         true},
        {"foreign origin despite a token",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}, {"HTTP_ORIGIN", "http://evil.example"}},
         true},
        {"look-alike origin",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}, {"HTTP_ORIGIN", "http://ems.example.evil.example"}},
         true},
        {"other scheme",
         "POST",
         "/x",
         "csrf_token=" + token,
         {{"HTTP_COOKIE", cookie}, {"HTTP_ORIGIN", "https://ems.example"}},
         true},
        {"API form post needs the token", "POST", "/api/x", "a=1", {}, true},
        {"API DELETE needs a preflight, not a token", "DELETE", "/api/x", "", {}, false},
        {"API DELETE from another site",
         "DELETE",
         "/api/x",
         "",
         {{"HTTP_ORIGIN", "http://evil.example"}},
         true},
    };
    for (const auto& c : cases)
        BOOST_TEST(refused(c.method, c.path, c.body, c.env) == c.refused, c.what);
}

BOOST_AUTO_TEST_SUITE_END()
