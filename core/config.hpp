// Configuration: one `key = value` file, every key overridable by an
// environment variable EMS_<KEY>. config/ems.conf.example documents each key.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace ems {

struct Config {
    std::string listen = "unix:var/run/ems.sock";
    int workers = 0;  // 0: 2 x cores
    long max_requests = 1000;
    std::string pid_file = "var/run/ems.pid";
    // php-fpm's listen.backlog, listen.owner/group/mode (a unix socket;
    // empty owner/group: the pool's user) and process.priority (the
    // workers' nice value, -19..20; 0: left as started).
    int listen_backlog = 1024;
    std::string listen_owner, listen_group;
    int listen_mode = 0666;
    int process_priority = 0;
    // php-fpm's pm.status_path, ping.path, ping.response; /metrics beside
    // them. Answered before any session or database work, to loopback
    // callers or with `Authorization: Bearer <status_token>` (empty: loopback
    // only); an empty path turns its page off.
    std::string status_path = "/status", ping_path = "/ping", ping_response = "pong",
                metrics_path = "/metrics", status_token;
    // php-fpm's request_terminate_timeout (s, 0: none): a request running
    // longer is answered 504 and its worker replaced. request_slowlog_timeout
    // (s, 0: none): a request longer writes a line with its phases to
    // `slowlog` (empty: log_dir/slow.log).
    int request_terminate_timeout = 60, request_slowlog_timeout = 5;
    std::string slowlog;
    // "file" (log_dir's files) or "journald" (the systemd journal).
    std::string log_target = "file";
    std::string db_host = "127.0.0.1";
    int db_port = 3306;
    std::string db_socket, db_user = "ems", db_password, db_name = "ems";
    std::string storage_root = "var/storage", uploads_dir = "var/uploads",
                outbox_dir = "var/outbox";
    // age identity file of `ems-admin backup` / `restore` (docs in the README).
    std::string backup_key;
    std::string log_dir = "var/log", views_dir = "views", static_dir = "static";
    // Request bodies (handlers/request.cpp): larger ones get 413 before a
    // byte is read; the picture uploads have their own limit. A form of more
    // than max_input_vars fields gets 400 before it is parsed (PHP's
    // max_input_vars).
    std::size_t body_limit = 64 * 1024, upload_limit = 8 * 1024 * 1024;
    std::size_t max_input_vars = 1000;
    int session_idle_timeout = 1800, session_absolute_timeout = 43200;
    int password_cost = 12;
    bool require_email_verification = false;
    std::string smtp_url, mail_from = "ems@localhost", base_url = "http://127.0.0.1:8080";
    // The site's identity: its name in every title, the header, the footer
    // and the From of mails; an optional logo (a path on this site, as the
    // CSP allows images from 'self' only) and footer links to the privacy
    // and imprint pages (a path or an http(s) URL), shown when set.
    std::string site_name = "Event Management System", site_logo_url, privacy_url, imprint_url;
    // The site's time zone (e.g. Europe/Berlin): event times are its wall
    // clock, and every page, mail and calendar file says so. Empty: the
    // server's (the PHP app's date()), not named on pages.
    std::string time_zone;
    // The mail sender's retries: the first after mail_retry_first seconds,
    // doubling up to an hour; after mail_max_attempts tries, failed/.
    int mail_retry_first = 30, mail_max_attempts = 12;
    // Sign-in throttling (handlers/auth.cpp, docs/SECURITY.md#authentication):
    // after login_throttle_max failures for one (account, address) pair, that
    // pair waits 60 s, doubling per further failure up to login_delay_max;
    // one address gets at most login_address_max failures per
    // login_throttle_window (a NAT shares it).
    int login_throttle_max = 5, login_throttle_window = 900, login_address_max = 100,
        login_delay_max = 3600;
    // Per address: sign-ups and reset requests per window; per account:
    // reset mails per reset window.
    int signup_throttle_max = 30, signup_throttle_window = 3600;
    int reset_throttle_max = 10, reset_throttle_window = 3600, reset_account_max = 3;
    // Bcrypt work at once on this host (0: half the cores, at least 1); a
    // request waits at most hash_wait_ms for a slot, then gets 503.
    int hash_concurrency = 0, hash_wait_ms = 1000;
    int api_token_ttl_days = 90;
    // Whole participant lists (manage ?all=1, CSV export) rendering at once
    // per user on this host; more get 429 (0: no bound).
    int full_list_concurrency = 2;
    int verify_link_ttl_hours = 48;
    // TLS ended before nginx (handlers/request.hpp trust_proxy): requests
    // from these addresses (comma-separated) are HTTPS when this header
    // says "https"; empty: only nginx's own HTTPS counts. HTTPS answers
    // carry Strict-Transport-Security for hsts_max_age seconds (0: none)
    // and Secure cookies.
    std::string trusted_proxy_header, trusted_proxies;
    long hsts_max_age = 31536000;
    bool enable_test_routes = false;
    bool auto_migrate = true;
    // Fault answers (seconds): a frozen or unreachable database, or a held
    // event row, gives a 503 within these instead of hanging a worker.
    int db_connect_timeout = 3, db_read_timeout = 10, db_write_timeout = 10,
        db_lock_wait_timeout = 5;
    // /health reports storage "full" below this much free space (MiB).
    long storage_min_free_mb = 64;
    // SIGTERM: seconds to finish running and already-queued requests.
    int shutdown_grace = 30;

    // Reads `path` (when not empty) then the EMS_* environment, which
    // replaces the file's value (also a bad one). The file may start with a
    // UTF-8 BOM and have CRLF line ends; a key set twice is a problem. Throws
    // std::runtime_error listing every problem, one per line, each naming
    // the key and where it was set.
    static Config load(const std::string& path);
    // The same, collecting the problems instead (ems-fcgi -t).
    static Config load(const std::string& path, std::vector<std::string>& problems);
    // Non-empty when base_url is still the default (loopback) while `listen`
    // is not: outside development, links would be broken for everyone else.
    std::string base_url_warning() const;
    void set(const std::string& key, const std::string& value);
};

}  // namespace ems
