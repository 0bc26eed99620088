#include "handlers/session.hpp"

#include <cgicc/CgiUtils.h>

#include <ctime>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

long long now() {
    return static_cast<long long>(std::time(nullptr));
}

std::string cookie_header(const Ctx& ctx, const std::string& name, const std::string& value,
                          long max_age) {
    std::string c = name + "=" + value + "; Path=/; HttpOnly; SameSite=Lax";
    if (max_age >= 0) c += "; Max-Age=" + std::to_string(max_age);
    if (ctx.req.is_https()) c += "; Secure";
    return c;
}

void purge_expired(Ctx& ctx) {
    const auto& c = ctx.app.config();
    ctx.app.db().exec("DELETE FROM ems_sessions WHERE last_seen < ? OR created_at < ?",
                      {now() - c.session_idle_timeout, now() - c.session_absolute_timeout});
}

}  // namespace

void load_session(Ctx& ctx) {
    if (is_api_request(ctx.req)) {
        const auto auth = ctx.req.env("HTTP_AUTHORIZATION");
        if (auth.rfind("Bearer ", 0) == 0) {
            const long long ttl = 86400LL * ctx.app.config().api_token_ttl_days;
            if (auto u = find_user_by_api_token(ctx.app.db(), auth.substr(7), ttl)) {
                ctx.user = std::move(u);
                ctx.auth_via = "token";
            } else {
                throw Unauthorized("Invalid API token");
            }
            return;
        }
    }
    const auto id = ctx.req.cookie(session_cookie);
    if (!id || !is_hex(*id, 32, 32)) return;
    const auto& c = ctx.app.config();
    auto row = find_session_user(ctx.app.db(), *id);
    if (!row) return;
    const long long t = now();
    if (row->last_seen < t - c.session_idle_timeout ||
        row->created_at < t - c.session_absolute_timeout) {
        ctx.app.db().exec("DELETE FROM ems_sessions WHERE id = ?", {*id});
        return;
    }
    if (!row->user) return;
    ctx.session_id = *id;
    ctx.csrf_token = row->csrf_token;
    ctx.user = std::move(row->user);
    ctx.auth_via = "session";
    // Touch at most once a minute: idle timeout precision of a minute is
    // plenty and saves a write per request.
    if (row->last_seen < t - 60)
        ctx.app.db().exec("UPDATE ems_sessions SET last_seen = ? WHERE id = ?", {t, *id});
}

std::optional<Response> check_access(Ctx& ctx) {
    const auto access = ctx.route->access;
    if (access == Access::user && !ctx.user) {
        if (is_api_request(ctx.req)) throw Unauthorized("Sign in required");
        if (ctx.req.method() == "POST")
            set_flash(ctx, "error", "Your session has ended. Please sign in again.");
        // Remember where a shared link was going, so signing in continues
        // there; Location stays /auth/login.
        if (ctx.req.method() == "GET") remember_return_to(ctx);
        return Response::redirect(url_for("login"));
    }
    if (access == Access::guest && ctx.user) return Response::redirect(url_for("dashboard"));
    return std::nullopt;
}

const std::string& csrf_token(Ctx& ctx) {
    if (!ctx.csrf_token.empty()) return ctx.csrf_token;
    const auto c = ctx.req.cookie(csrf_cookie);
    ctx.csrf_token = (c && is_hex(*c, 64, 64)) ? *c : random_hex(32);
    if (!c || *c != ctx.csrf_token)
        ctx.res.headers.emplace_back("Set-Cookie",
                                     cookie_header(ctx, csrf_cookie, ctx.csrf_token, -1));
    return ctx.csrf_token;
}

namespace {

// GET and HEAD change nothing; a bearer token is no ambient credential.
// Signing out with no session changes nothing, so a sign-out button left
// open after the session ended just goes to the login page.
bool csrf_exempt(const Ctx& ctx) {
    const auto& m = ctx.req.method();
    return m == "GET" || m == "HEAD" || ctx.auth_via == "token" ||
           (ctx.route->handler == logout && ctx.session_id.empty());
}

// Refuses a request sent by another site (its Origin names another host);
// true when it needs no token besides: a cross-site page can send neither
// a JSON body nor a DELETE without a CORS preflight, which ems never
// grants, so such API calls need no token.
bool check_origin(const Ctx& ctx) {
    const auto origin = ctx.req.header("Origin");
    if (!origin.empty() && origin != "null") {
        const auto host = ctx.req.header("Host");
        const std::string scheme = ctx.req.is_https() ? "https://" : "http://";
        // Debian's fastcgi_params passes HTTP_HOST as $host, which drops the
        // port: a browser on :8080 sends Origin http://h:8080 for Host h.
        const auto port = ctx.req.env("SERVER_PORT");
        if (origin != scheme + host && (port.empty() || origin != scheme + host + ":" + port))
            throw Forbidden("This request came from another site and was refused.");
    }
    return is_api_request(ctx.req) && (ctx.req.method() == "DELETE" ||
                                       ctx.req.content_type().rfind("application/json", 0) == 0);
}

// The token the request must carry: the session's, or the anonymous
// double-submit cookie's; empty when it has neither.
std::string expected_csrf(const Ctx& ctx) {
    if (!ctx.session_id.empty()) return ctx.csrf_token;
    const auto c = ctx.req.cookie(csrf_cookie);
    return c ? *c : std::string();
}

constexpr const char* csrf_expired =
    "This form has expired. Please go back, reload the page and try again.";

}  // namespace

void check_csrf_before_body(Ctx& ctx) {
    if (csrf_exempt(ctx) || check_origin(ctx)) return;
    if (!is_hex(expected_csrf(ctx), 64, 64)) throw Forbidden(csrf_expired);
}

void check_csrf(Ctx& ctx) {
    if (csrf_exempt(ctx) || check_origin(ctx)) return;
    std::string sent = ctx.req.form("csrf_token");
    if (sent.empty()) sent = ctx.req.header("X-CSRF-Token");
    const auto expected = expected_csrf(ctx);
    if (expected.empty() || !is_hex(sent, 64, 64) || sent != expected)
        throw Forbidden(csrf_expired);
}

bool safe_local_path(const std::string& p) {
    // Path-only and on this site: "//host" and "/\\host" are other sites to a browser.
    if (p.empty() || p.size() > 1024 || p[0] != '/' ||
        (p.size() > 1 && (p[1] == '/' || p[1] == '\\')))
        return false;
    // No control character at all: has_control_chars lets text's tab, CR
    // and LF through, which in a Location header would start a new header,
    // and which a browser strips from a URL ("/\t/host" becomes "//host").
    return valid_utf8(p) && !has_control_chars(p) &&
           p.find_first_of("\\\t\r\n") == std::string::npos;
}

void remember_return_to(Ctx& ctx) {
    auto target = ctx.req.path();
    if (!ctx.req.query_string().empty()) target += "?" + ctx.req.query_string();
    if (safe_local_path(target))
        ctx.res.headers.emplace_back(
            "Set-Cookie", cookie_header(ctx, next_cookie, cgicc::form_urlencode(target), 900));
}

std::optional<std::string> return_to(const Ctx& ctx) {
    const auto c = ctx.req.cookie(next_cookie);
    if (!c) return std::nullopt;
    auto target = cgicc::form_urldecode(*c);
    if (!safe_local_path(target)) return std::nullopt;
    return target;
}

std::string after_sign_in(Ctx& ctx) {
    const auto c = ctx.req.cookie(next_cookie);
    if (!c) return url_for("dashboard");
    ctx.res.headers.emplace_back("Set-Cookie", cookie_header(ctx, next_cookie, "", 0));
    const auto target = cgicc::form_urldecode(*c);
    return safe_local_path(target) ? target : url_for("dashboard");
}

void set_flash(Ctx& ctx, const std::string& type, const std::string& message) {
    ctx.flash = Json::Value(Json::objectValue);
    ctx.flash["type"] = type;
    ctx.flash["message"] = message;
    ctx.session_dirty = true;
}

Response flash_redirect(Ctx& ctx, const std::string& type, const std::string& message,
                        const std::string& to) {
    set_flash(ctx, type, message);
    return Response::redirect(to);
}

void sign_in(Ctx& ctx, const std::string& uid) {
    auto& db = ctx.app.db();
    if (!ctx.session_id.empty()) db.exec("DELETE FROM ems_sessions WHERE id = ?", {ctx.session_id});
    if (one_in(50)) purge_expired(ctx);
    ctx.session_id = random_hex(16);
    ctx.csrf_token = random_hex(32);
    db.exec(
        "INSERT INTO ems_sessions (id, uid, csrf_token, created_at, last_seen, ip) VALUES (?, ?, "
        "?, ?, ?, ?)",
        {ctx.session_id, uid, ctx.csrf_token, now(), now(), ctx.req.remote_addr()});
    ctx.user = find_user(db, uid);
    ctx.auth_via = "session";
    ctx.res.headers.emplace_back("Set-Cookie",
                                 cookie_header(ctx, session_cookie, ctx.session_id, -1));
}

void sign_out(Ctx& ctx) {
    if (!ctx.session_id.empty())
        ctx.app.db().exec("DELETE FROM ems_sessions WHERE id = ?", {ctx.session_id});
    ctx.session_id.clear();
    ctx.csrf_token.clear();
    ctx.user.reset();
    ctx.res.headers.emplace_back("Set-Cookie", cookie_header(ctx, session_cookie, "", 0));
}

void end_other_sessions(Ctx& ctx, const std::string& uid) {
    ctx.app.db().exec("DELETE FROM ems_sessions WHERE uid = ? AND id <> ?", {uid, ctx.session_id});
}

void finish_session(Ctx& ctx, Response& res) {
    for (auto& h : ctx.res.headers) res.headers.push_back(h);
    if (ctx.session_dirty) {
        const auto v = ctx.flash["type"].asString() + ":" + ctx.flash["message"].asString();
        res.headers.emplace_back("Set-Cookie",
                                 cookie_header(ctx, flash_cookie, cgicc::form_urlencode(v), 300));
    } else if (ctx.req.cookie(flash_cookie) && res.status == 200 &&
               res.header("Content-Type").rfind("text/html", 0) == 0) {
        res.headers.emplace_back("Set-Cookie",
                                 cookie_header(ctx, flash_cookie, "", 0));  // shown once
    }
    if (ctx.user) res.set_header("Cache-Control", "no-store");
}

}  // namespace ems
