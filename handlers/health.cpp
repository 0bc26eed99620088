// GET /health for load balancers and admins; the root redirect; test-only routes.
#include <errmsg.h>
#include <mysqld_error.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"

namespace ems {
namespace {

constexpr std::uint64_t mib = 1024 * 1024;

std::string db_reason(unsigned code) {
    switch (code) {
        case CR_SERVER_LOST:
        case CR_SERVER_GONE_ERROR:
            return "no answer from the database (timed out or connection lost)";
        case ER_CON_COUNT_ERROR:
            return "the database refuses more connections";
        case CR_CONNECTION_ERROR:
        case CR_CONN_HOST_ERROR:
        case CR_UNKNOWN_HOST:
            return "database unreachable";
        default:
            return "database error " + std::to_string(code);
    }
}

// A connection of its own, not the worker's: /health says whether the
// database answers now, within the connect and read timeouts, and its
// result does not depend on the worker's reconnect policy. One round trip,
// never retried.
Json::Value check_db(const Config& config) {
    Json::Value v(Json::objectValue);
    try {
        db::Db probe(db_options(config));
        probe.exec_plain("DO 1");
        v["ok"] = true;
    } catch (const db::DbError& e) {
        v["ok"] = false;
        v["error"] = db_reason(e.code);
        log::error(std::string("health: ") + e.what());
    } catch (const std::exception& e) {
        v["ok"] = false;
        v["error"] = "database error";
        log::error(std::string("health: ") + e.what());
    }
    return v;
}

// "storage": "ok" | "read-only" | "full", free space in MiB, and what is
// wrong (no paths: the page is public).
void check_storage(App& app, Json::Value& v) {
    const auto floor =
        static_cast<std::uint64_t>(std::max(0L, app.config().storage_min_free_mb)) * mib;
    try {
        const auto h = app.files().health(floor);
        v["storage"] = h.state;
        if (!h.detail.empty()) v["storage_detail"] = h.detail;
        v["free_mb"] = static_cast<Json::UInt64>(h.free_bytes / mib);
        return;
    } catch (const storage::StorageError& e) {
        // The storage could not even be opened (FileStorage's constructor).
        const bool full = e.error == ENOSPC || e.error == EDQUOT;
        v["storage"] = full ? "full" : "read-only";
        v["storage_detail"] = "the storage cannot be opened";
        log::error(std::string("health: ") + e.what());
    }
    struct statvfs vfs {};
    const auto free = ::statvfs(app.config().storage_root.c_str(), &vfs) == 0
                          ? static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize
                          : 0;
    v["free_mb"] = static_cast<Json::UInt64>(free / mib);
}

}  // namespace

Response show_health(Ctx& ctx) {
    Json::Value v(Json::objectValue);
    v["db"] = check_db(ctx.app.config());
    check_storage(ctx.app, v);
    const bool healthy = v["db"]["ok"].asBool() && v["storage"].asString() == "ok";
    v["status"] = healthy ? "ok" : "degraded";
    auto res = Response::json(v, healthy ? 200 : 503);
    res.set_header("Cache-Control", "no-store");
    if (!healthy) res.set_header("Retry-After", "10");
    return res;
}

// /_test/crash?fault=KIND throws what a real fault would, so the tests can
// check the dispatcher's one mapping of faults to answers. Every message
// holds internals the page must not show.
Response test_crash(Ctx& ctx) {
    const auto kind = ctx.req.query("fault");
    const std::string secret = " at /srv/secret/participants/7.json (SELECT * FROM events)";
    using storage::StorageError;
    static const std::map<std::string, unsigned> db_codes = {
        {"db_refused", CR_CONNECTION_ERROR},
        {"db_no_listener", CR_CONN_HOST_ERROR},
        {"db_unknown_host", CR_UNKNOWN_HOST},
        {"db_gone", CR_SERVER_GONE_ERROR},
        {"db_lost", CR_SERVER_LOST},
        {"db_killed", ER_CONNECTION_KILLED},
        {"db_idle", 4031},
        {"db_too_many", ER_CON_COUNT_ERROR},
        {"db_lock_wait", ER_LOCK_WAIT_TIMEOUT},
        {"db_duplicate", ER_DUP_ENTRY},
        {"db_syntax", ER_PARSE_ERROR},
    };
    if (const auto it = db_codes.find(kind); it != db_codes.end())
        throw db::DbError(it->second, "MariaDB" + secret);
    if (kind == "unavailable") throw ServiceUnavailable("Come back in a while.", 42);
    if (kind == "corrupt_list") throw storage::CorruptList(7, "corrupt journal" + secret);
    if (kind == "read_only") throw StorageError("cannot write" + secret, EROFS);
    if (kind == "full") throw StorageError("cannot write" + secret, ENOSPC);
    if (kind == "quota") throw StorageError("cannot write" + secret, EDQUOT);
    if (kind == "io") throw StorageError("cannot read" + secret, EIO);
    throw std::runtime_error("forced failure for the error-page test" + secret);
}

// /_test/header?name=N&value=V answers with the header N: V as decoded from
// the query (%0d%0a included), so the tests can plant what no real handler
// should ever send and check that the response writer refuses it.
Response test_header(Ctx& ctx) {
    auto res = Response::text("planted\n", "text/plain; charset=UTF-8");
    res.headers.emplace_back(ctx.req.query("name"), ctx.req.query("value"));
    return res;
}

// /_test/stream?bytes=N&fail_at=M streams N bytes of "x" in 1 KiB writes,
// throwing once M bytes are written (no fail_at: never), so the tests can
// check how a streamed response fails before and after its first chunk.
Response test_stream(Ctx& ctx) {
    const auto bytes = std::min(64L << 20, std::max(0L, std::atol(ctx.req.query("bytes").c_str())));
    const auto fail_q = ctx.req.query("fail_at");
    const long fail_at = fail_q.empty() ? -1 : std::atol(fail_q.c_str());
    auto res = Response::text("", "text/plain; charset=UTF-8");
    res.stream = [bytes, fail_at](BodySink& out) {
        const std::string kib(1024, 'x');
        for (long done = 0; done < bytes; done += 1024) {
            if (fail_at >= 0 && done >= fail_at)
                throw std::runtime_error("forced failure of a streamed body at /srv/secret");
            out.write(std::string_view(kib).substr(0, std::min(1024L, bytes - done)));
        }
        if (fail_at >= 0 && fail_at >= bytes)
            throw std::runtime_error("forced failure of a streamed body at /srv/secret");
    };
    return res;
}

// Logs when it starts, so a test can wait until every worker is busy.
Response test_sleep(Ctx& ctx) {
    const auto ms = std::min(10000L, std::max(0L, std::atol(ctx.req.query("ms").c_str())));
    log::info("test_sleep: start " + std::to_string(ms) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    Json::Value v;
    v["slept_ms"] = static_cast<Json::Int64>(ms);
    return Response::json(v);
}

}  // namespace ems
