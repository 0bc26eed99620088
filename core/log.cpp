#include "core/log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "core/time.hpp"
#include "core/utf8.hpp"

namespace ems::log {
namespace {

int error_fd = 2;
int access_fd = -1;
int slow_fd = -1;
std::string opened_dir, opened_slowlog;
volatile std::sig_atomic_t reopen_requested = 0;
bool journald = false;

// One entry in the journal; false when it was not taken.
bool to_journal(const char* log, int priority, const std::string& message,
                std::string_view request_id = {}) {
    if (!journald) return false;
    const std::string rid(request_id);
    const int rc = rid.empty()
                       ? sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%d", priority,
                                         "SYSLOG_IDENTIFIER=ems-fcgi", "EMS_LOG=%s", log, nullptr)
                       : sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%d", priority,
                                         "SYSLOG_IDENTIFIER=ems-fcgi", "EMS_LOG=%s", log,
                                         "EMS_REQUEST_ID=%s", rid.c_str(), nullptr);
    return rc >= 0;
}

int open_append(const std::filesystem::path& p) {
    return ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

// The new descriptor takes the old one's number (dup2), so a descriptor
// shared with a forked child keeps pointing where the child expects.
void replace_fd(int& fd, const std::filesystem::path& p) {
    const int fresh = open_append(p);
    if (fresh < 0) return;  // keep writing to the old file rather than lose lines
    if (fd > 2) {
        ::dup2(fresh, fd);
        ::close(fresh);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    } else {
        fd = fresh;
    }
}

void write_line(int fd, std::string line) {
    if (reopen_requested) reopen();
    if (fd < 0) return;
    line.push_back('\n');
    // One write per line keeps lines whole between processes.
    if (::write(fd, line.data(), line.size()) < 0 && fd != 2) {
        [[maybe_unused]] auto r = ::write(2, line.data(), line.size());
    }
}

void level_line(const char* level, const std::string& message, std::string_view request_id = {}) {
    const int priority = level[0] == 'e' ? LOG_ERR : level[0] == 'w' ? LOG_WARNING : LOG_INFO;
    if (to_journal("error", priority, message, request_id)) return;
    Line line;
    line.str("time", now_iso8601())
        .str("level", level)
        .num("pid", static_cast<long long>(getpid()))
        .str("message", message);
    if (!request_id.empty()) line.str("request_id", request_id);
    write_line(error_fd, line.text());
}

}  // namespace

std::string json_string(std::string_view text) {
    const bool utf8 = valid_utf8(text);
    std::string out = "\"";
    out.reserve(text.size() + 2);
    char u[8];
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
            std::snprintf(u, sizeof u, "\\u%04x", c);
            out += u;
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
    return out;
}

void Line::key(std::string_view k) {
    if (text_.size() > 1) text_.push_back(',');
    text_ += json_string(k);
    text_.push_back(':');
}

Line& Line::str(std::string_view k, std::string_view value) {
    key(k);
    text_ += json_string(value);
    return *this;
}

Line& Line::num(std::string_view k, long long value) {
    key(k);
    text_ += std::to_string(value);
    return *this;
}

Line& Line::num(std::string_view k, double value) {
    key(k);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::isfinite(value) ? value : 0.0);
    text_ += buf;
    return *this;
}

void open(const std::string& log_dir, const std::string& slowlog) {
    std::error_code ec;
    std::filesystem::create_directories(log_dir, ec);
    opened_dir = log_dir;
    opened_slowlog = slowlog;
    reopen_requested = 0;
    replace_fd(error_fd, std::filesystem::path(log_dir) / "error.log");
    replace_fd(access_fd, std::filesystem::path(log_dir) / "access.log");
    replace_fd(slow_fd, slowlog.empty() ? std::filesystem::path(log_dir) / "slow.log"
                                        : std::filesystem::path(slowlog));
}

void reopen() {
    reopen_requested = 0;
    if (opened_dir.empty()) return;
    open(opened_dir, opened_slowlog);
}

void request_reopen() noexcept {
    reopen_requested = 1;
}

std::string now_iso8601() {
    return time::iso8601_utc(time::now_ms());
}

void error(const std::string& message) {
    level_line("error", message);
}

void error(const std::string& message, std::string_view request_id) {
    level_line("error", message, request_id);
}

void warning(const std::string& message) {
    level_line("warning", message);
}

void info(const std::string& message) {
    level_line("info", message);
}

void access(const std::string& json_object) {
    if (!to_journal("access", LOG_INFO, json_object)) write_line(access_fd, json_object);
}

void slow(const std::string& json_object) {
    if (!to_journal("slow", LOG_WARNING, json_object)) write_line(slow_fd, json_object);
}

void use_journald(bool on) {
    journald = on;
}

}  // namespace ems::log
