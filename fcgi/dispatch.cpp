#include "fcgi/dispatch.hpp"

#include <unistd.h>

#include <chrono>

#include "fcgi/errors.hpp"
#include "fcgi/log.hpp"
#include "fcgi/router.hpp"
#include "fcgi/text.hpp"
#include "handlers/session.hpp"

namespace ems {
namespace {

bool wants_json(const Request& req) {
    return req.path().rfind("/api/", 0) == 0 || req.path() == "/api" || req.path() == "/health";
}

Response error_page(Ctx& ctx, int status, const std::string& message, const std::string& error_id) {
    if (wants_json(ctx.req)) {
        Json::Value v;
        v["error"] = message;
        if (!error_id.empty()) v["error_id"] = error_id;
        return Response::json(v, status);
    }
    // An unknown path fails before the session is read; read it now so a
    // signed-in visitor keeps their nav. A failure here (DB down) must not
    // cost the error page.
    if (!ctx.user && ctx.auth_via.empty()) {
        try {
            load_session(ctx);
        } catch (const std::exception&) {
        }
    }
    try {
        Json::Value m = ctx.page(status == 404 ? "Page not found" : status == 403 ? "Forbidden" : "Error");
        m["status"] = status;
        m["message"] = message;
        if (!error_id.empty()) m["error_id"] = error_id;
        return Response::html(ctx.app.views().render("error", m), status);
    } catch (const std::exception& e) {
        log::error("error page failed: " + std::string(e.what()));
        return Response::html("<!DOCTYPE html><title>Error</title><h1>Error " + std::to_string(status) +
                                  "</h1>" + (error_id.empty() ? "" : "<p>Error id: " + error_id + "</p>"),
                              status);
    }
}

Response run_route(Ctx& ctx) {
    auto& req = ctx.req;
    const auto m = match_route(routes(), req.method(), req.path(), ctx.app.config().enable_test_routes);
    if (!m.route) {
        if (!m.allow.empty()) throw MethodNotAllowed(m.allow);
        throw NotFound();
    }
    ctx.route = m.route;
    req.params = m.params;
    if (!valid_utf8(req.path())) throw BadRequest("Invalid characters in the address");
    req.read_body(ctx.app.config().body_limit);
    load_session(ctx);
    if (auto gate = check_access(ctx)) return *gate;
    check_csrf(ctx);
    return m.route->handler(ctx);
}

}  // namespace

void add_security_headers(Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "same-origin");
}

Response dispatch(Request& req, App& app) {
    const auto t0 = std::chrono::steady_clock::now();
    Ctx ctx(req, app);
    Response res;
    std::string error_id;
    try {
        res = run_route(ctx);
    } catch (const MethodNotAllowed& e) {
        res = error_page(ctx, 405, e.what(), "");
        res.set_header("Allow", e.allow);
    } catch (const TooManyRequests& e) {
        res = error_page(ctx, 429, e.what(), "");
        res.set_header("Retry-After", std::to_string(e.retry_after));
    } catch (const HttpError& e) {
        res = error_page(ctx, e.status, e.what(), "");
    } catch (const std::exception& e) {
        error_id = random_hex(6);
        log::error("error_id=" + error_id + " " + req.method() + " " + req.path() + ": " + e.what());
        res = error_page(ctx, 500, "Something went wrong on our side. Please try again.", error_id);
    }
    try {
        finish_session(ctx, res);
    } catch (const std::exception& e) {
        log::error("finishing the session failed: " + std::string(e.what()));
    }
    add_security_headers(res);
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", ms);
    log::access(log::now_iso8601() + " " + req.remote_addr() + " \"" + req.method() + " " +
                req.path() + "\" " + std::to_string(res.status) + " " + std::to_string(res.body.size()) +
                " " + took + "ms pid=" + std::to_string(getpid()) +
                (ctx.user ? " uid=" + ctx.user->uid : "") + (error_id.empty() ? "" : " error_id=" + error_id));
    return res;
}

}  // namespace ems
