#include "core/config.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "core/text.hpp"

namespace ems {
namespace {

long long parse_number(const std::string& key, const std::string& v) {
    long long n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 0)
        throw std::runtime_error("config: " + key + " must be a non-negative number, got '" + v +
                                 "'");
    return n;
}

bool parse_bool(const std::string& key, const std::string& v) {
    const auto l = to_lower(v);
    if (l == "1" || l == "true" || l == "yes" || l == "on") return true;
    if (l == "0" || l == "false" || l == "no" || l == "off" || l.empty()) return false;
    throw std::runtime_error("config: " + key + " must be true or false, got '" + v + "'");
}

using Setter = std::function<void(Config&, const std::string&, const std::string&)>;

// A number key; with `min` (and `max`), a value outside the range is refused.
template <typename T>
Setter num(T Config::*m, long long min = 0, long long max = -1) {
    return [m, min, max](Config& c, const std::string& k, const std::string& v) {
        const auto n = parse_number(k, v);
        if (n < min || (max >= 0 && n > max))
            throw std::runtime_error(
                "config: " + k + " must be " +
                (max >= 0 ? "between " + std::to_string(min) + " and " + std::to_string(max)
                          : "at least " + std::to_string(min)) +
                ", got " + v);
        c.*m = static_cast<T>(n);
    };
}
Setter str(std::string Config::*m) {
    return [m](Config& c, const std::string&, const std::string& v) { c.*m = v; };
}
Setter flag(bool Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) { c.*m = parse_bool(k, v); };
}

// Every key: its name is the Config member's; num's numbers are its range.
const std::map<std::string, Setter>& setters() {
    // clang-format off
#define KEY(name, kind, ...) {#name, kind(&Config::name __VA_OPT__(,) __VA_ARGS__)}
    static const std::map<std::string, Setter> table = {
        // the pool
        KEY(listen, str), KEY(workers, num), KEY(max_requests, num), KEY(pid_file, str),
        KEY(shutdown_grace, num),
        // the database
        KEY(db_host, str), KEY(db_port, num), KEY(db_socket, str), KEY(db_user, str),
        KEY(db_password, str), KEY(db_name, str), KEY(auto_migrate, flag),
        KEY(db_connect_timeout, num, 1, 3600), KEY(db_read_timeout, num, 1, 3600),
        KEY(db_write_timeout, num, 1, 3600), KEY(db_lock_wait_timeout, num, 1, 3600),
        // folders
        KEY(storage_root, str), KEY(uploads_dir, str), KEY(outbox_dir, str), KEY(backup_key, str),
        KEY(log_dir, str), KEY(views_dir, str), KEY(static_dir, str), KEY(storage_min_free_mb, num),
        // requests
        KEY(body_limit, num, 1024), KEY(upload_limit, num, 1024), KEY(max_input_vars, num, 1),
        KEY(full_list_concurrency, num), KEY(trusted_proxy_header, str), KEY(trusted_proxies, str),
        KEY(hsts_max_age, num), KEY(enable_test_routes, flag),
        // accounts
        KEY(session_idle_timeout, num, 1), KEY(session_absolute_timeout, num, 1),
        KEY(password_cost, num, 10, 16), KEY(require_email_verification, flag),
        KEY(api_token_ttl_days, num, 1), KEY(verify_link_ttl_hours, num, 1),
        KEY(hash_concurrency, num), KEY(hash_wait_ms, num, 1),
        // mail
        KEY(smtp_url, str), KEY(mail_from, str), KEY(base_url, str), KEY(mail_retry_first, num, 1),
        KEY(mail_max_attempts, num, 1),
        // abuse limits
        KEY(login_throttle_max, num, 1), KEY(login_throttle_window, num, 1),
        KEY(login_address_max, num, 1), KEY(login_delay_max, num, 1),
        KEY(signup_throttle_max, num, 1), KEY(signup_throttle_window, num, 1),
        KEY(reset_throttle_max, num, 1), KEY(reset_throttle_window, num, 1),
        KEY(reset_account_max, num, 1),
    };
#undef KEY
    // clang-format on
    return table;
}

}  // namespace

void Config::set(const std::string& key, const std::string& value) {
    const auto it = setters().find(key);
    if (it == setters().end()) throw std::runtime_error("config: unknown key '" + key + "'");
    it->second(*this, key, value);
}

Config Config::load(const std::string& path) {
    Config c;
    if (!path.empty()) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("config: cannot read " + path);
        std::string line;
        int lineno = 0;
        while (std::getline(in, line)) {
            ++lineno;
            const auto t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            const auto eq = t.find('=');
            if (eq == std::string::npos)
                throw std::runtime_error("config: " + path + ":" + std::to_string(lineno) +
                                         ": expected key = value");
            c.set(trim(t.substr(0, eq)), trim(t.substr(eq + 1)));
        }
    }
    for (const auto& [key, setter] : setters()) {
        std::string env = "EMS_";
        for (char ch : key)
            env.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
        if (const char* v = std::getenv(env.c_str())) setter(c, key, v);
    }
    if (c.hash_concurrency < 0)
        throw std::runtime_error("config: hash_concurrency must be 0 (automatic) or more");
    return c;
}

}  // namespace ems
