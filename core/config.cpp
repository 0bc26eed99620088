#include "core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <vector>

#include "core/text.hpp"
#include "core/time.hpp"

namespace ems {
namespace {

long long parse_number(const std::string& key, const std::string& v, bool signed_ok = false,
                       int base = 10) {
    long long n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n, base);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || (n < 0 && !signed_ok))
        throw std::runtime_error("config: " + key + " must be a" +
                                 (base == 8   ? "n octal"
                                  : signed_ok ? ""
                                              : " non-negative") +
                                 " number, got '" + v + "'");
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
        const auto n = parse_number(k, v, min < 0);
        if (n < min || (max >= 0 && n > max))
            throw std::runtime_error(
                "config: " + k + " must be " +
                (max >= 0 ? "between " + std::to_string(min) + " and " + std::to_string(max)
                          : "at least " + std::to_string(min)) +
                ", got " + v);
        c.*m = static_cast<T>(n);
    };
}
// A file mode in octal (0660), at most 0777.
Setter mode(int Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) {
        const auto n = parse_number(k, v, false, 8);
        if (n > 0777) throw std::runtime_error("config: " + k + " must be at most 0777, got " + v);
        c.*m = static_cast<int>(n);
    };
}
// One of a few words.
Setter choice(std::string Config::*m, std::vector<std::string> words) {
    return [m, words](Config& c, const std::string& k, const std::string& v) {
        if (std::find(words.begin(), words.end(), v) == words.end()) {
            std::string all;
            for (const auto& w : words) all += (all.empty() ? "" : " or ") + w;
            throw std::runtime_error("config: " + k + " must be " + all + ", got '" + v + "'");
        }
        c.*m = v;
    };
}
Setter str(std::string Config::*m) {
    return [m](Config& c, const std::string&, const std::string& v) { c.*m = v; };
}
// A link the pages show in an href or src: a path on this site ("/x",
// not "//host"), or with `absolute_too` an http(s) URL; nothing a quoted
// attribute could not carry. Empty: not shown.
Setter link(std::string Config::*m, bool absolute_too) {
    return [m, absolute_too](Config& c, const std::string& k, const std::string& v) {
        const auto lower = to_lower(v);
        const bool path = v.size() > 1 ? v[0] == '/' && v[1] != '/' && v[1] != '\\' : v == "/";
        const bool absolute =
            absolute_too && (lower.rfind("https://", 0) == 0 || lower.rfind("http://", 0) == 0);
        const bool clean = std::none_of(v.begin(), v.end(), [](char ch) {
            return static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '"' ||
                   ch == '\'' || ch == '<' || ch == '>' || ch == '\\';
        });
        if (!v.empty() && (!(path || absolute) || !clean))
            throw std::runtime_error("config: " + k + " must be " +
                                     (absolute_too ? "a path on this site (/...) or an http(s) URL"
                                                   : "a path on this site (/static/logo.svg)") +
                                     ", got '" + v + "'");
        c.*m = v;
    };
}
// A time zone name the C library knows (core/time known_zone), or empty.
Setter zone(std::string Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) {
        if (!v.empty() && !time::known_zone(v))
            throw std::runtime_error("config: " + k +
                                     " must be a time zone name such as Europe/Berlin or UTC (a "
                                     "file under /usr/share/zoneinfo), got '" +
                                     v + "'");
        c.*m = v;
    };
}

// Text shown on every page and in mail headers: not empty, no control
// characters.
Setter line(std::string Config::*m) {
    return [m](Config& c, const std::string& k, const std::string& v) {
        if (v.empty() || std::any_of(v.begin(), v.end(), [](char ch) {
                return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
            }))
            throw std::runtime_error("config: " + k +
                                     " must be one line of text, not empty, got '" + v + "'");
        c.*m = v;
    };
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
        KEY(shutdown_grace, num), KEY(listen_backlog, num, 1, 65535), KEY(listen_owner, str),
        KEY(listen_group, str), KEY(listen_mode, mode), KEY(process_priority, num, -19, 20),
        KEY(status_path, str), KEY(ping_path, str), KEY(ping_response, str),
        KEY(metrics_path, str), KEY(status_token, str), KEY(request_terminate_timeout, num),
        KEY(request_slowlog_timeout, num), KEY(slowlog, str),
        KEY(log_target, choice, {"file", "journald"}),
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
        KEY(site_name, line), KEY(site_logo_url, link, false), KEY(privacy_url, link, true),
        KEY(imprint_url, link, true), KEY(time_zone, zone),
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

namespace {

std::string env_name(const std::string& key) {
    std::string env = "EMS_";
    for (char ch : key)
        env.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    return env;
}

// An absolute http(s) URL of a host (and an optional path), without a
// query, a fragment, a trailing '/' or anything a header could not carry.
std::string base_url_problem(const std::string& url) {
    const auto scheme = url.find("://");
    const auto name = scheme == std::string::npos ? std::string() : to_lower(url.substr(0, scheme));
    const auto host_start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto host = url.substr(host_start, url.find('/', host_start) - host_start);
    const bool clean = std::none_of(url.begin(), url.end(), [](char ch) {
        return static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '?' || ch == '#' ||
               ch == '"' || ch == '<' || ch == '>' || ch == '\\';
    });
    if ((name != "http" && name != "https") || host.empty() || host[0] == ':' || !clean ||
        url.back() == '/')
        return "config: base_url must be an absolute http:// or https:// URL of the site, "
               "without a trailing '/' (e.g. https://events.example.org), got '" +
               url + "'";
    return {};
}

}  // namespace

Config Config::load(const std::string& path) {
    std::vector<std::string> problems;
    Config c = load(path, problems);
    if (problems.empty()) return c;
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    throw std::runtime_error(all);
}

Config Config::load(const std::string& path, std::vector<std::string>& problems) {
    // key -> (value, where it was set); the file first, then EMS_<KEY>, so
    // the environment also replaces a bad value in the file.
    std::map<std::string, std::pair<std::string, std::string>> values;
    if (!path.empty()) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            problems.push_back("config: cannot read " + path);
            return Config{};
        }
        std::map<std::string, int> first_line;
        std::string line;
        for (int lineno = 1; std::getline(in, line); ++lineno) {
            // A UTF-8 byte order mark (Windows editors) and CR line ends are read as
            // if absent.
            if (lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
            const auto t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            const auto where = path + ":" + std::to_string(lineno);
            const auto eq = t.find('=');
            if (eq == std::string::npos) {
                problems.push_back("config: " + where + ": expected key = value");
                continue;
            }
            const auto key = trim(t.substr(0, eq));
            if (!setters().count(key)) {
                problems.push_back("config: " + where + ": unknown key '" + key + "'");
                continue;
            }
            if (const auto [it, fresh] = first_line.emplace(key, lineno); !fresh) {
                problems.push_back("config: " + where + ": " + key + " is already set on line " +
                                   std::to_string(it->second));
                continue;
            }
            values[key] = {trim(t.substr(eq + 1)), where};
        }
    }
    for (const auto& [key, setter] : setters())
        if (const char* v = std::getenv(env_name(key).c_str())) values[key] = {v, env_name(key)};
    Config c;
    for (const auto& [key, value] : values) {
        try {
            c.set(key, value.first);
        } catch (const std::runtime_error& e) {
            problems.push_back(std::string(e.what()) + " (" + value.second + ")");
        }
    }
    if (auto why = base_url_problem(c.base_url); !why.empty()) problems.push_back(why);
    return c;
}

std::string Config::base_url_warning() const {
    const Config defaults;
    if (base_url != defaults.base_url || listen == defaults.listen) return {};
    return "base_url is still " + base_url +
           ", the default: links in mails and on manage pages point at this machine's loopback; "
           "set base_url to the site's public address";
}

}  // namespace ems
