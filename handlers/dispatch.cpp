#include "handlers/dispatch.hpp"

#include <errmsg.h>
#include <mysqld_error.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "core/pool_state.hpp"
#include "core/text.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "handlers/session.hpp"
#include "models/db.hpp"
#include "storage/file_storage.hpp"

namespace ems {
namespace {

// What the visitor is told about a failed request. Every 503 also gets an
// error id and one error-log line with the cause; the message never holds
// anything internal (paths, SQL, server names).
struct Fault {
    int status = 500;
    std::string message = "Something went wrong on our side. Please try again.";
    int retry_after = 0;  // seconds; 0: no Retry-After
    bool log_cause = true;
    std::string allow;   // 405
    FieldErrors fields;  // the refused fields, if the error named them
};

constexpr const char* corrupt_list_message =
    "This event's participant list needs attention. The site's administrators have been told; "
    "please "
    "try again later.";
constexpr const char* storage_message =
    "The site cannot save changes right now. Please try again later.";
constexpr const char* db_message =
    "The site cannot reach its database right now. Please try again in a minute.";
constexpr const char* busy_message = "This event is busy right now. Please try again in a moment.";
constexpr const char* conflict_message =
    "This conflicts with a change saved at the same moment. Please reload the page and try again.";

// The server is down, frozen past the read/write timeout, refuses more
// connections, or dropped ours: nothing this request can fix, so 503.
bool db_unreachable(unsigned code) {
    switch (code) {
        case CR_CONNECTION_ERROR:      // 2002: no socket
        case CR_CONN_HOST_ERROR:       // 2003: nothing listens on the port
        case CR_UNKNOWN_HOST:          // 2005
        case CR_SERVER_GONE_ERROR:     // 2006
        case CR_SERVER_LOST:           // 2013: also a read or write timeout
        case CR_SERVER_LOST_EXTENDED:  // 2055
        case ER_CONNECTION_KILLED:     // 1927
        case 4031:                     // the server closed an idle connection
        case ER_CON_COUNT_ERROR:       // 1040: too many connections
        case ER_SERVER_SHUTDOWN:       // 1053
            return true;
        default:
            return db::is_connection_lost(code);
    }
}

// The one mapping of exceptions to what the visitor is told (the form of
// the answer, HTML or JSON, is chosen after); call it inside a catch block.
Fault classify_current_exception() {
    try {
        throw;
    } catch (const MethodNotAllowed& e) {
        return {405, e.what(), 0, false, e.allow, {}};
    } catch (const TooManyRequests& e) {
        return {429, e.what(), e.retry_after, false, {}, {}};
    } catch (const ServiceUnavailable& e) {
        return {503, e.what(), e.retry_after > 0 ? e.retry_after : 5, true, {}, {}};
    } catch (const HttpError& e) {
        return {e.status, e.what(), 0, false, {}, e.fields};
    } catch (const storage::CorruptList&) {
        return {503, corrupt_list_message, 300, true, {}, {}};
    } catch (const storage::StorageError& e) {
        if (e.unavailable()) return {503, storage_message, 60, true, {}, {}};
    } catch (const db::DbError& e) {
        if (db_unreachable(e.code)) return {503, db_message, 30, true, {}, {}};
        if (e.code == ER_LOCK_WAIT_TIMEOUT) return {503, busy_message, 5, true, {}, {}};
        // A duplicate a model did not turn into its own error: a race with
        // another request, not a fault of ours; answered as a Conflict.
        if (e.code == ER_DUP_ENTRY) return {409, conflict_message, 0, true, {}, {}};
    } catch (...) {
    }
    return Fault{};
}

// Inside a catch block: what the exception in flight says.
std::string current_exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
    }
    return "unknown exception";
}

Response json_answer(const Fault& f, const std::string& error_id) {
    Json::Value v;
    v["error"] = f.message;
    for (const auto& [field, message] : f.fields) v["fields"][field] = message;
    if (!error_id.empty()) v["error_id"] = error_id;
    return Response::json(v, f.status);
}

Response error_page(Ctx& ctx, int status, const std::string& message, const std::string& error_id) {
    // An unknown path fails before the session is read; read it now so a
    // signed-in visitor keeps their nav. Not after a 5xx: the database may
    // be the fault, and asking it again would double the wait. A failure
    // here must not cost the error page.
    if (!ctx.user && ctx.auth_via.empty() && status < 500) {
        try {
            load_session(ctx);
        } catch (const std::exception&) {
        }
    }
    try {
        Json::Value m = ctx.page(status_title(status));
        m["status"] = status;
        m["message"] = message;
        if (!error_id.empty()) m["error_id"] = error_id;
        if (status == 503 && ctx.req.method() == "GET") {
            auto again = ctx.req.path();
            if (!ctx.req.query_string().empty()) again += "?" + ctx.req.query_string();
            if (safe_local_path(again)) m["retry_url"] = again;
        }
        return Response::html(ctx.app.views().render("error", m), status);
    } catch (const std::exception& e) {
        log::error("error page failed: " + std::string(e.what()));
        return Response::html("<!DOCTYPE html><title>Error</title><h1>Error " +
                                  std::to_string(status) + "</h1>" +
                                  (error_id.empty() ? "" : "<p>Error id: " + error_id + "</p>"),
                              status);
    }
}

// The routes whose body is a picture upload (upload_limit); every other
// body is a small form or JSON object (body_limit).
bool takes_upload(const Route& r) {
    return r.handler == upload_profile_picture || r.handler == api_upload_picture;
}

Response run_route(Ctx& ctx) {
    auto& req = ctx.req;
    const auto m =
        match_route(routes(), req.method(), req.path(), ctx.app.config().enable_test_routes);
    if (!m.route) {
        if (!m.allow.empty()) throw MethodNotAllowed(m.allow);
        throw NotFound();
    }
    ctx.route = m.route;
    pool_state::set_route(m.route->name, "");
    req.params = m.params;
    if (!valid_utf8(req.path())) throw BadRequest("Invalid characters in the address");
    // Nothing of the body is read before the visitor may send one: the
    // session (or token), the route's access rule and what the CSRF check
    // can decide without the form. Then a small limit for every route but
    // the picture uploads, and a capped parse (read_body).
    load_session(ctx);
    if (ctx.user) pool_state::set_route(m.route->name, ctx.user->uid);
    if (auto gate = check_access(ctx)) return *gate;
    check_csrf_before_body(ctx);
    const auto& c = ctx.app.config();
    req.read_body(takes_upload(*m.route) ? c.upload_limit : c.body_limit, c.max_input_vars);
    req.refuse_repeated_fields();
    check_csrf(ctx);
    return m.route->handler(ctx);
}

// A refusal answers as the page declared (Ctx::on_refusal), else the error page.
Response html_answer(Ctx& ctx, const Fault& f, const std::string& error_id) {
    const HttpError refusal(f.status, f.message, f.fields);
    if (ctx.on_refusal && is_refusal(refusal)) {
        try {
            return ctx.on_refusal(ctx, refusal);
        } catch (const std::exception& e) {
            log::error("answering a refusal failed: " + std::string(e.what()));
        }
    }
    return error_page(ctx, f.status, f.message, error_id);
}

// A header with CR, LF or another control character (a value taken from
// the request that no check caught) would split the response: the whole
// answer becomes a 500 with an error id, keeping only the valid cookies
// (a sign-in's session, a cleared return-to cookie), so nothing of the
// bad value is sent.
void refuse_invalid_headers(Ctx& ctx, Response& res, std::string& error_id) {
    const auto bad = first_invalid_header(res);
    if (bad.empty()) return;
    std::vector<std::pair<std::string, std::string>> cookies;
    for (const auto& h : res.headers)
        if (strcasecmp(h.first.c_str(), "Set-Cookie") == 0 && valid_header(h.first, h.second))
            cookies.push_back(h);
    try {
        throw std::logic_error("the response header '" + bad + "' holds a control character");
    } catch (...) {
        res = answer_current_exception(ctx, error_id);
    }
    res.headers.insert(res.headers.end(), cookies.begin(), cookies.end());
    add_security_headers(res);
}

// A body that collects a stream (dispatch without an output: the tests).
class StringSink final : public BodySink {
  public:
    explicit StringSink(std::string& to) : to_(to) {}
    void write(std::string_view bytes) override { to_.append(bytes); }

  private:
    std::string& to_;
};

// Runs the response's producer. A failure before any byte left answers
// with the usual error page instead; after, the page is cut short, the
// cause logged, and the output aborted: the FastCGI request ends without
// its end record, so nginx (and the client) see a broken response rather
// than a short one. Returns the body bytes sent.
std::size_t send_stream(Ctx& ctx, Response& res, ResponseOutput* out, std::string& error_id) {
    const auto produce = std::move(res.stream);
    res.stream = nullptr;
    const bool head_only = ctx.req.method() == "HEAD";
    try {
        if (!out) {
            StringSink sink(res.body);
            if (!head_only) produce(sink);
            return res.body.size();
        }
        out->start(serialize_cgi(res, true));
        if (!head_only) produce(*out);
        out->finish();
        return out->body_bytes();
    } catch (const ClientGone& e) {
        // Not a fault of ours: the client closed the page, or stopped reading.
        log::info(ctx.req.method() + " " + ctx.req.path() + ": " + e.what());
        out->abort();
        return out->body_bytes();
    } catch (...) {
        if (out && out->sent_any()) {
            const auto cause = current_exception_text();
            error_id = random_hex(6);
            log::error("error_id=" + error_id + " " + ctx.req.method() + " " + ctx.req.path() +
                           ": the streamed response failed after " +
                           std::to_string(out->body_bytes()) + " bytes: " + cause,
                       ctx.req.env("REQUEST_ID"));
            out->abort();
            return out->body_bytes();
        }
        if (out) out->discard();
        res.body.clear();
        res = answer_current_exception(ctx, error_id);
        add_security_headers(res);
    }
    if (out) {
        out->start(serialize_cgi(res, true));
        if (!head_only) out->write(res.body);
        out->finish();
    }
    return res.body.size();
}

}  // namespace

bool wants_json(const Request& req) {
    if (is_api_request(req) || req.path() == "/health") return true;
    const auto accept = req.header("Accept");
    return accept.find("application/json") != std::string::npos &&
           accept.find("text/html") == std::string::npos;
}

Response answer_current_exception(Ctx& ctx, std::string& error_id) {
    const Fault f = classify_current_exception();
    const auto cause = current_exception_text();
    const auto what =
        ctx.req.method() + " " + ctx.req.path() + ": " + std::to_string(f.status) + " " + cause;
    if (f.message == storage_message || f.message == corrupt_list_message)
        pool_state::count_storage_error();
    else if (f.message == db_message || f.message == busy_message)
        pool_state::count_db_error();
    if (f.status == 409) {
        log::info(what);
    } else if (f.log_cause) {
        error_id = random_hex(6);
        log::error("error_id=" + error_id + " " + what, ctx.req.env("REQUEST_ID"));
    }
    Response res = wants_json(ctx.req) ? json_answer(f, error_id) : html_answer(ctx, f, error_id);
    if (!f.allow.empty()) res.set_header("Allow", f.allow);
    if (f.retry_after > 0) res.set_header("Retry-After", std::to_string(f.retry_after));
    if (f.status == 503) res.set_header("Cache-Control", "no-store");
    return res;
}

// One slow-log line: what the request was and where its time went.
void log_slow_request(const Ctx& ctx, const Response& res, const char* route, double ms) {
    using pool_state::Phase;
    pool_state::count_slow_request();
    const double db = pool_state::phase_seconds(Phase::db) * 1000,
                 storage = pool_state::phase_seconds(Phase::storage) * 1000,
                 render = pool_state::phase_seconds(Phase::render) * 1000;
    log::Line line;
    line.str("time", log::now_iso8601())
        .str("route", route)
        .str("method", ctx.req.method())
        .str("path", ctx.req.path())
        .num("status", static_cast<long long>(res.status))
        .str("uid", ctx.user ? ctx.user->uid : "")
        .str("request_id", ctx.req.env("REQUEST_ID"))
        .num("pid", static_cast<long long>(getpid()))
        .num("duration_ms", ms)
        .num("db_ms", db)
        .num("storage_ms", storage)
        .num("render_ms", render)
        .num("other_ms", std::max(0.0, ms - db - storage - render));
    log::slow(line.text());
}

void add_security_headers(Response& res) {
    res.set_header(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "same-origin");
}

Response dispatch(Request& req, App& app, ResponseOutput* out) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& config = app.config();
    req.trust_proxy(config.trusted_proxy_header, config.trusted_proxies);
    Ctx ctx(req, app);
    Response res;
    std::string error_id;
    const char* route = "";
    if (auto page = pool_page(req, config)) {
        res = std::move(*page);
        route = req.path() == config.ping_path     ? "ping"
                : req.path() == config.status_path ? "status"
                                                   : "metrics";
    } else {
        try {
            res = run_route(ctx);
        } catch (...) {
            res = answer_current_exception(ctx, error_id);
        }
    }
    try {
        finish_session(ctx, res);
    } catch (const std::exception& e) {
        log::error("finishing the session failed: " + std::string(e.what()));
    }
    add_security_headers(res);
    // Over HTTPS only: a browser ignores it over HTTP, and a site still
    // reached over HTTP must not be told to refuse HTTP.
    if (req.is_https() && config.hsts_max_age > 0)
        res.set_header("Strict-Transport-Security",
                       "max-age=" + std::to_string(config.hsts_max_age));
    refuse_invalid_headers(ctx, res, error_id);
    const std::size_t bytes = res.stream ? send_stream(ctx, res, out, error_id) : res.body.size();
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    log::Line line;
    line.str("time", log::now_iso8601())
        .str("remote_addr", req.remote_addr())
        .str("method", req.method())
        .str("path", req.path())
        .num("status", static_cast<long long>(res.status))
        .num("bytes", static_cast<long long>(bytes))
        .num("duration_ms", ms)
        .num("pid", static_cast<long long>(getpid()));
    if (const auto id = req.env("REQUEST_ID"); !id.empty()) line.str("request_id", id);
    if (ctx.user) line.str("uid", ctx.user->uid);
    if (!error_id.empty()) line.str("error_id", error_id);
    log::access(line.text());
    if (ctx.route) route = ctx.route->name;
    pool_state::end_request(route, res.status, ms / 1000);
    if (config.request_slowlog_timeout > 0 && ms >= config.request_slowlog_timeout * 1000.0)
        log_slow_request(ctx, res, route, ms);
    return res;
}

}  // namespace ems
