#include "core/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "core/time.hpp"

namespace ems::log {
namespace {

int error_fd = 2;
int access_fd = -1;

void write_line(int fd, const std::string& line) {
    if (fd < 0) return;
    std::string out = escape_controls(line);
    out.push_back('\n');
    // One write per line keeps lines whole between processes.
    if (::write(fd, out.data(), out.size()) < 0 && fd != 2) {
        [[maybe_unused]] auto r = ::write(2, out.data(), out.size());
    }
}

int open_append(const std::filesystem::path& p) {
    return ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

}  // namespace

std::string escape_controls(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f) {
            out.push_back(ch);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

void open(const std::string& log_dir) {
    std::error_code ec;
    std::filesystem::create_directories(log_dir, ec);
    const int e = open_append(std::filesystem::path(log_dir) / "error.log");
    const int a = open_append(std::filesystem::path(log_dir) / "access.log");
    if (e >= 0) error_fd = e;
    if (a >= 0) access_fd = a;
}

std::string now_iso8601() {
    return time::iso8601_utc(time::now_ms());
}

void error(const std::string& message) {
    write_line(error_fd,
               now_iso8601() + " [error] pid=" + std::to_string(getpid()) + " " + message);
}

void info(const std::string& message) {
    write_line(error_fd, now_iso8601() + " [info] pid=" + std::to_string(getpid()) + " " + message);
}

void access(const std::string& line) {
    write_line(access_fd, line);
}

}  // namespace ems::log
