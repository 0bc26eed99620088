// The one mapping of errors to answers (core/errors.hpp, handlers/dispatch.cpp):
// every error type to its JSON and HTML answer, the two ways a page answers
// a refusal (form re-rendered, flash + redirect), and messages that hold
// invalid UTF-8, control characters and markup. No database is needed.
#define BOOST_TEST_DYN_LINK
#include "core/errors.hpp"

#include <json/json.h>
#include <mysqld_error.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/text.hpp"
#include "fcgi/string_input.hpp"
#include "handlers/dispatch.hpp"
#include "models/db.hpp"

namespace {

// A message with markup, invalid UTF-8 (a lone continuation byte, a
// truncated sequence, a surrogate) and control characters.
const std::string nasty =
    "<b>x</b> & \"q\" \x80 \xC3 \xED\xA0\x80 bell\x07 nul" + std::string(1, '\0') + " tab\t end";

struct ErrorCase {
    const char* name;
    std::function<void()> raise;
    int status;
    bool refusal;  // a page's own refusal answer applies
    const char* retry_after;
    const char* allow;
};

const ems::FieldErrors nasty_fields = {{"email", nasty}, {"f\xFFld", "bad <key>"}};

const ErrorCase error_table[] = {
    {"BadRequest", [] { throw ems::BadRequest(nasty); }, 400, true, "", ""},
    {"Unauthorized", [] { throw ems::Unauthorized(nasty); }, 401, true, "", ""},
    {"Forbidden", [] { throw ems::Forbidden(nasty); }, 403, true, "", ""},
    {"NotFound", [] { throw ems::NotFound(nasty); }, 404, true, "", ""},
    {"MethodNotAllowed", [] { throw ems::MethodNotAllowed("GET, HEAD"); }, 405, true, "",
     "GET, HEAD"},
    {"Conflict", [] { throw ems::Conflict(nasty, nasty_fields); }, 409, true, "", ""},
    {"PayloadTooLarge", [] { throw ems::PayloadTooLarge(nasty); }, 413, true, "", ""},
    {"Invalid", [] { throw ems::Invalid(nasty, nasty_fields); }, 422, true, "", ""},
    {"TooManyRequests", [] { throw ems::TooManyRequests(nasty, 900); }, 429, false, "900", ""},
    {"ServiceUnavailable", [] { throw ems::ServiceUnavailable(nasty, 7); }, 503, false, "7", ""},
    // A duplicate key no model turned into its own error is a Conflict.
    {"duplicate key", [] { throw ems::db::DbError(ER_DUP_ENTRY, "Duplicate entry 'x' SELECT"); },
     409, true, "", ""},
};

struct Fixture {
    Fixture() {
        root = std::filesystem::temp_directory_path() / ("ems-errors-" + std::to_string(getpid()));
        std::filesystem::create_directories(root);
        ems::Config c;
        c.views_dir = "views";
        c.storage_root = (root / "storage").string();
        c.log_dir = (root / "log").string();
        app = std::make_unique<ems::App>(c);
    }
    ~Fixture() { std::filesystem::remove_all(root); }

    // The answer to `raise` thrown while handling GET `path`, with `page`
    // set up as the handler would have set it.
    ems::Response answer(const std::string& path, const std::function<void()>& raise,
                         const std::function<void(ems::Ctx&)>& page = {},
                         const std::string& accept = "") {
        ems::StringInput in({{"REQUEST_METHOD", "GET"},
                             {"DOCUMENT_URI", path},
                             {"REMOTE_ADDR", "127.0.0.1"},
                             {"HTTP_ACCEPT", accept}},
                            "");
        ems::Request req(in);
        ems::Ctx ctx(req, *app);
        if (page) page(ctx);
        flash = Json::Value();
        try {
            raise();
        } catch (...) {
            std::string error_id;
            auto res = ems::answer_current_exception(ctx, error_id);
            flash = ctx.flash;
            return res;
        }
        BOOST_FAIL("nothing thrown");
        return {};
    }

    std::filesystem::path root;
    std::unique_ptr<ems::App> app;
    Json::Value flash;  // what the last answer flashed
};

Json::Value strict_parse(const std::string& text) {
    Json::CharReaderBuilder b;
    Json::CharReaderBuilder::strictMode(&b.settings_);
    std::unique_ptr<Json::CharReader> reader(b.newCharReader());
    Json::Value v;
    std::string errs;
    BOOST_TEST(reader->parse(text.data(), text.data() + text.size(), &v, &errs), errs);
    return v;
}

std::string message_of(const ErrorCase& c) {
    try {
        c.raise();
    } catch (const ems::HttpError& e) {
        return e.what();
    } catch (...) {
    }
    return "This conflicts with a change saved at the same moment. Please reload the page and try "
           "again.";
}

void check_html_escaped(const std::string& body) {
    BOOST_TEST(body.find("<b>x</b>") == std::string::npos);
    BOOST_TEST(body.find("&lt;b&gt;x&lt;/b&gt; &amp;") != std::string::npos);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(errors, Fixture)

BOOST_AUTO_TEST_CASE(every_error_type_answers_json_with_its_status_and_valid_utf8) {
    for (const auto& c : error_table) {
        BOOST_TEST_CONTEXT(c.name) {
            const auto r = answer("/api/anything", c.raise);
            BOOST_TEST(r.status == c.status);
            BOOST_TEST(r.header("Content-Type").find("application/json") == 0);
            BOOST_TEST(r.header("Retry-After") == c.retry_after);
            BOOST_TEST(r.header("Allow") == c.allow);
            BOOST_TEST(ems::valid_utf8(r.body), r.body);
            const auto v = strict_parse(r.body);
            const auto message = message_of(c);
            // Each byte that is not UTF-8 becomes U+FFFD; the rest is kept.
            BOOST_TEST(v["error"].asString().find(ems::to_valid_utf8(message.substr(0, 20))) == 0);
            if (message == nasty) {
                BOOST_TEST(v["error"].asString() == ems::to_valid_utf8(nasty));
                BOOST_TEST(v["error"].asString().find(std::string(1, '\0')) != std::string::npos);
            }
            BOOST_TEST(v.isMember("fields") ==
                       (std::string(c.name) == "Conflict" || std::string(c.name) == "Invalid"));
            if (v.isMember("fields")) {
                BOOST_TEST(v["fields"]["email"].asString() == ems::to_valid_utf8(nasty));
                BOOST_TEST(v["fields"]["f\xEF\xBF\xBDld"].asString() == "bad <key>");
            }
            BOOST_TEST(v.isMember("error_id") == (c.status >= 500));
            BOOST_TEST(r.body.find("SELECT") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_error_type_answers_html_as_the_error_page_with_the_message_escaped) {
    for (const auto& c : error_table) {
        BOOST_TEST_CONTEXT(c.name) {
            const auto r = answer("/somewhere", c.raise);
            BOOST_TEST(r.status == c.status);
            BOOST_TEST(r.header("Content-Type").find("text/html") == 0);
            BOOST_TEST(r.header("Retry-After") == c.retry_after);
            BOOST_TEST(r.header("Allow") == c.allow);
            if (message_of(c) == nasty) check_html_escaped(r.body);
            BOOST_TEST(r.body.find("SELECT") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_client_asking_for_json_only_gets_json_outside_the_api) {
    const auto r = answer(
        "/events/edit/1", [] { throw ems::NotFound("Event not found"); }, {}, "application/json");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(strict_parse(r.body)["error"].asString() == "Event not found");
}

BOOST_AUTO_TEST_CASE(refusals_on_a_redirecting_page_flash_and_redirect_the_rest_do_not) {
    const auto to_dashboard = [](ems::Ctx& ctx) {
        ctx.answer_refusals_with_redirect("/dashboard");
    };
    for (const auto& c : error_table) {
        BOOST_TEST_CONTEXT(c.name) {
            const auto r = answer("/events/manage/1", c.raise, to_dashboard);
            if (c.refusal) {
                BOOST_TEST(r.status == 302);
                BOOST_TEST(r.header("Location") == "/dashboard");
                BOOST_TEST(flash["type"].asString() == "error");
                BOOST_TEST(flash["message"].asString() == message_of(c));
            } else {
                BOOST_TEST(r.status == c.status);
                BOOST_TEST(flash.isNull());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(refusals_on_a_form_page_rerender_the_form_with_the_fields) {
    std::string seen_message;
    ems::FieldErrors seen_fields;
    const auto form = [&](ems::Ctx& ctx) {
        ctx.answer_refusals_with_form([&](ems::Ctx&, const ems::HttpError& e) {
            seen_message = e.what();
            seen_fields = e.fields;
            return ems::Response::html("the form", 422);
        });
    };
    for (const auto& c : error_table) {
        BOOST_TEST_CONTEXT(c.name) {
            seen_message.clear();
            seen_fields.clear();
            const auto r = answer("/events/create", c.raise, form);
            BOOST_TEST(r.status == (c.refusal ? 422 : c.status));
            BOOST_TEST((r.body == "the form") == c.refusal);
            if (c.refusal) BOOST_TEST(seen_message == message_of(c));
            if (std::string(c.name) == "Invalid") BOOST_TEST(seen_fields == nasty_fields);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_json_answer_ignores_the_pages_refusal_answer) {
    const auto r = answer(
        "/api/events/1", [] { throw ems::Forbidden("You can only edit your own events"); },
        [](ems::Ctx& ctx) { ctx.answer_refusals_with_redirect("/dashboard"); });
    BOOST_TEST(r.status == 403);
    BOOST_TEST(flash.isNull());
    BOOST_TEST(strict_parse(r.body)["error"].asString() == "You can only edit your own events");
}

BOOST_AUTO_TEST_CASE(a_failing_refusal_answer_falls_back_to_the_error_page) {
    const auto r = answer(
        "/events/create", [] { throw ems::Invalid("Please fix the form"); },
        [](ems::Ctx& ctx) {
            ctx.answer_refusals_with_form([](ems::Ctx&, const ems::HttpError&) -> ems::Response {
                throw std::runtime_error("template missing");
            });
        });
    BOOST_TEST(r.status == 422);
    BOOST_TEST(r.body.find("Please fix the form") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(is_api_request_matches_api_paths_case_insensitively_as_the_router_does) {
    const struct {
        const char* path;
        bool api;
    } cases[] = {
        {"/api", true},        {"/api/", true},    {"/api/me", true},  {"/API/me", true},
        {"/Api/events", true}, {"/apis/x", false}, {"/apix", false},   {"/dashboard/api", false},
        {"/", false},          {"/ap", false},     {"/health", false},
    };
    for (const auto& c : cases) {
        ems::StringInput in({{"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", c.path}}, "");
        ems::Request req(in);
        BOOST_TEST(ems::is_api_request(req) == c.api, c.path);
    }
}

BOOST_AUTO_TEST_CASE(wants_json_for_the_api_health_and_json_only_clients) {
    const struct {
        const char* path;
        const char* accept;
        bool json;
    } cases[] = {
        {"/API/me", "text/html", true},
        {"/health", "", true},
        {"/dashboard", "application/json", true},
        {"/dashboard", "text/html, application/json", false},
        {"/dashboard", "", false},
    };
    for (const auto& c : cases) {
        ems::StringInput in(
            {{"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", c.path}, {"HTTP_ACCEPT", c.accept}}, "");
        ems::Request req(in);
        BOOST_TEST(ems::wants_json(req) == c.json, c.path << " " << c.accept);
    }
}

// Before one rule, /API/me was the API for the router but not for the
// session: a signed-out call got the login redirect instead of a 401.
BOOST_AUTO_TEST_CASE(an_api_path_in_capitals_gets_a_json_401_when_signed_out) {
    ems::StringInput in(
        {{"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", "/API/me"}, {"REMOTE_ADDR", "127.0.0.1"}}, "");
    ems::Request req(in);
    const auto r = ems::dispatch(req, *app);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(strict_parse(r.body)["error"].asString() == "Sign in required");
}

BOOST_AUTO_TEST_SUITE_END()
