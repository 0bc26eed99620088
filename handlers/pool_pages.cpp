// php-fpm's ping and status pages, and Prometheus metrics, answered before
// any session or database work (core/pool_state holds the figures).
#include <openssl/crypto.h>

#include "core/pool_state.hpp"
#include "handlers/dispatch.hpp"

namespace ems {
namespace {

bool loopback(const std::string& addr) {
    return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

// From this host (and not relayed by a proxy on it), or with the token.
bool may_see(const Request& req, const Config& c) {
    if (loopback(req.remote_addr()) && req.header("X-Forwarded-For").empty()) return true;
    const auto auth = req.header("Authorization");
    const std::string bearer = "Bearer ";
    if (c.status_token.empty() || auth.rfind(bearer, 0) != 0) return false;
    const auto given = auth.substr(bearer.size());
    return given.size() == c.status_token.size() &&
           CRYPTO_memcmp(given.data(), c.status_token.data(), given.size()) == 0;
}

bool has_query_flag(const Request& req, const std::string& name) {
    const auto& q = req.query_string();
    for (std::size_t start = 0; start <= q.size();) {
        const auto end = std::min(q.find('&', start), q.size());
        const auto item = q.substr(start, end - start);
        if (item == name || item.rfind(name + "=", 0) == 0) return true;
        start = end + 1;
    }
    return false;
}

Response no_store(Response res) {
    res.set_header("Cache-Control", "no-store");
    return res;
}

}  // namespace

std::optional<Response> pool_page(const Request& req, const Config& c) {
    const auto& path = req.path();
    const bool ping = !c.ping_path.empty() && path == c.ping_path;
    const bool status = !c.status_path.empty() && path == c.status_path;
    const bool metrics = !c.metrics_path.empty() && path == c.metrics_path;
    if (!ping && !status && !metrics) return std::nullopt;
    if (req.method() != "GET" && req.method() != "HEAD") {
        Json::Value v;
        v["error"] = "Method not allowed";
        auto res = Response::json(v, 405);
        res.set_header("Allow", "GET, HEAD");
        return res;
    }
    if (!may_see(req, c)) {
        Json::Value v;
        v["error"] = "This page is for this host's monitoring (or a configured status_token)";
        return no_store(Response::json(v, 403));
    }
    if (ping) return no_store(Response::text(c.ping_response + "\n", "text/plain; charset=utf-8"));
    if (metrics)
        return no_store(
            Response::text(pool_state::metrics_text(), "text/plain; version=0.0.4; charset=utf-8"));
    const bool json = has_query_flag(req, "json");
    return no_store(
        Response::text(pool_state::status_text(json, has_query_flag(req, "full"), "ems"),
                       json ? "application/json" : "text/plain; charset=utf-8"));
}

}  // namespace ems
