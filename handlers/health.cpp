// GET /health for load balancers and admins; the root redirect; test-only routes.
#include <chrono>
#include <stdexcept>
#include <thread>

#include "fcgi/errors.hpp"
#include "handlers/handlers.hpp"

namespace ems {

Response show_health(Ctx& ctx) {
    Json::Value v(Json::objectValue);
    bool healthy = true;
    try {
        const auto row = ctx.app.db().query_one("SELECT 1");
        v["db"]["ok"] = row.has_value();
        healthy = healthy && row.has_value();
    } catch (const std::exception&) {
        v["db"]["ok"] = false;
        v["db"]["error"] = "database unreachable";
        healthy = false;
    }
    for (const char* folder : {"users", "events", "participants"}) {
        const bool ok = ctx.app.files().writable(folder);
        v["storage"][folder]["writable"] = ok;
        healthy = healthy && ok;
    }
    v["status"] = healthy ? "ok" : "degraded";
    auto res = Response::json(v, healthy ? 200 : 503);
    res.set_header("Cache-Control", "no-store");
    return res;
}

Response show_home(Ctx& ctx) { return Response::redirect(ctx.user ? "/dashboard" : "/auth/login"); }

Response test_crash(Ctx&) { throw std::runtime_error("forced failure for the error-page test"); }

Response test_sleep(Ctx& ctx) {
    const auto ms = std::min(10000L, std::max(0L, std::atol(ctx.req.query("ms").c_str())));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    Json::Value v;
    v["slept_ms"] = static_cast<Json::Int64>(ms);
    return Response::json(v);
}

}  // namespace ems
