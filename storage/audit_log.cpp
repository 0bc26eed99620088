#include "storage/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "storage/fs_util.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {

AuditLog::AuditLog(const std::filesystem::path& path) : path_(path) {
    ensure_dir(path.parent_path());
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, file_mode);
    if (fd_ < 0) throw_errno("open audit log", path);
}

AuditLog::~AuditLog() {
    if (fd_ >= 0) ::close(fd_);
}

void AuditLog::write(const Json::Value& record) noexcept {
    std::string line;
    try {
        line = encode_php_json(record, false) + "\n";
    } catch (const std::exception& e) {
        line = "{\"op\":\"audit\",\"result\":\"error\",\"error\":\"unencodable record\"}\n";
    }
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size()))
        std::fprintf(stderr, "ems: audit log %s: write failed: %s\n", path_.c_str(),
                     n < 0 ? std::strerror(errno) : "short write");
}

std::string local_timestamp() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

}  // namespace ems::storage
