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

template <typename T>
Setter num(T Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) {
        c.*m = static_cast<T>(parse_number(k, v));
    };
}
Setter str(std::string Config::*m) {
    return [m](Config& c, const std::string&, const std::string& v) { c.*m = v; };
}
Setter flag(bool Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) { c.*m = parse_bool(k, v); };
}

const std::map<std::string, Setter>& setters() {
    static const std::map<std::string, Setter> table = {
        {"listen", str(&Config::listen)},
        {"workers", num(&Config::workers)},
        {"max_requests", num(&Config::max_requests)},
        {"pid_file", str(&Config::pid_file)},
        {"db_host", str(&Config::db_host)},
        {"db_port", num(&Config::db_port)},
        {"db_socket", str(&Config::db_socket)},
        {"db_user", str(&Config::db_user)},
        {"db_password", str(&Config::db_password)},
        {"db_name", str(&Config::db_name)},
        {"storage_root", str(&Config::storage_root)},
        {"uploads_dir", str(&Config::uploads_dir)},
        {"outbox_dir", str(&Config::outbox_dir)},
        {"backup_key", str(&Config::backup_key)},
        {"log_dir", str(&Config::log_dir)},
        {"views_dir", str(&Config::views_dir)},
        {"static_dir", str(&Config::static_dir)},
        {"body_limit", num(&Config::body_limit)},
        {"upload_limit", num(&Config::upload_limit)},
        {"max_input_vars", num(&Config::max_input_vars)},
        {"session_idle_timeout", num(&Config::session_idle_timeout)},
        {"session_absolute_timeout", num(&Config::session_absolute_timeout)},
        {"password_cost", num(&Config::password_cost)},
        {"require_email_verification", flag(&Config::require_email_verification)},
        {"smtp_url", str(&Config::smtp_url)},
        {"mail_from", str(&Config::mail_from)},
        {"base_url", str(&Config::base_url)},
        {"login_throttle_max", num(&Config::login_throttle_max)},
        {"login_throttle_window", num(&Config::login_throttle_window)},
        {"login_address_max", num(&Config::login_address_max)},
        {"login_delay_max", num(&Config::login_delay_max)},
        {"signup_throttle_max", num(&Config::signup_throttle_max)},
        {"signup_throttle_window", num(&Config::signup_throttle_window)},
        {"reset_throttle_max", num(&Config::reset_throttle_max)},
        {"reset_throttle_window", num(&Config::reset_throttle_window)},
        {"reset_account_max", num(&Config::reset_account_max)},
        {"hash_concurrency", num(&Config::hash_concurrency)},
        {"hash_wait_ms", num(&Config::hash_wait_ms)},
        {"api_token_ttl_days", num(&Config::api_token_ttl_days)},
        {"full_list_concurrency", num(&Config::full_list_concurrency)},
        {"verify_link_ttl_hours", num(&Config::verify_link_ttl_hours)},
        {"trusted_proxy_header", str(&Config::trusted_proxy_header)},
        {"trusted_proxies", str(&Config::trusted_proxies)},
        {"hsts_max_age", num(&Config::hsts_max_age)},
        {"enable_test_routes", flag(&Config::enable_test_routes)},
        {"auto_migrate", flag(&Config::auto_migrate)},
        {"db_connect_timeout", num(&Config::db_connect_timeout)},
        {"db_read_timeout", num(&Config::db_read_timeout)},
        {"db_write_timeout", num(&Config::db_write_timeout)},
        {"db_lock_wait_timeout", num(&Config::db_lock_wait_timeout)},
        {"storage_min_free_mb", num(&Config::storage_min_free_mb)},
        {"shutdown_grace", num(&Config::shutdown_grace)},
    };
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
    if (c.session_idle_timeout <= 0 || c.session_absolute_timeout <= 0)
        throw std::runtime_error("config: session timeouts must be positive");
    if (c.body_limit < 1024 || c.upload_limit < 1024 || c.max_input_vars < 1)
        throw std::runtime_error(
            "config: body_limit and upload_limit must be at least 1024, max_input_vars at least 1");
    if (c.password_cost < 10 || c.password_cost > 16)
        throw std::runtime_error("config: password_cost must be between 10 and 16");
    for (const auto& [name, v] : {std::pair{"login_throttle_max", c.login_throttle_max},
                                  {"login_throttle_window", c.login_throttle_window},
                                  {"login_address_max", c.login_address_max},
                                  {"login_delay_max", c.login_delay_max},
                                  {"signup_throttle_max", c.signup_throttle_max},
                                  {"signup_throttle_window", c.signup_throttle_window},
                                  {"reset_throttle_max", c.reset_throttle_max},
                                  {"reset_throttle_window", c.reset_throttle_window},
                                  {"reset_account_max", c.reset_account_max},
                                  {"hash_wait_ms", c.hash_wait_ms},
                                  {"api_token_ttl_days", c.api_token_ttl_days},
                                  {"verify_link_ttl_hours", c.verify_link_ttl_hours}})
        if (v < 1) throw std::runtime_error(std::string("config: ") + name + " must be at least 1");
    if (c.hash_concurrency < 0)
        throw std::runtime_error("config: hash_concurrency must be 0 (automatic) or more");
    for (const auto& [name, v] : {std::pair{"db_connect_timeout", c.db_connect_timeout},
                                  {"db_read_timeout", c.db_read_timeout},
                                  {"db_write_timeout", c.db_write_timeout},
                                  {"db_lock_wait_timeout", c.db_lock_wait_timeout}})
        if (v < 1 || v > 3600)
            throw std::runtime_error(std::string("config: ") + name +
                                     " must be between 1 and 3600");
    return c;
}

}  // namespace ems
