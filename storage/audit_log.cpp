#include "storage/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {

AuditLog::AuditLog(const std::filesystem::path& path, int retry_s)
    : path_(path), retry_s_(retry_s) {}

AuditLog::~AuditLog() {
    if (fd_ >= 0) ::close(fd_);
}

bool AuditLog::open_file() {
    const std::time_t now = std::time(nullptr);
    if (now < next_open_) return false;
    next_open_ = now + retry_s_;
    try {
        ensure_dir(path_.parent_path());
    } catch (const StorageError& e) {
        error_ = e.error ? e.error : EIO;
        return false;
    }
    fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, file_mode);
    if (fd_ < 0) error_ = errno;
    return fd_ >= 0;
}

// One record under the log's flock; false (and *error) if it is not wholly
// in the file. The lock makes "the file still ends with my fragment" true
// when we cut it back.
bool AuditLog::append(const std::string& line, int* error) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat st;
    std::string data = line;
    if (::fstat(fd_, &st) == 0 && st.st_size > 0) {
        char last = '\n';
        if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') data.insert(0, "\n");
    }
    const off_t start = ::fstat(fd_, &st) == 0 ? st.st_size : -1;
    ssize_t n;
    do n = ::write(fd_, data.data(), data.size());
    while (n < 0 && errno == EINTR);
    // A short write sets no errno: on a regular file it means the disk
    // (or quota) is full.
    *error = n < 0 ? errno : ENOSPC;
    const bool whole = n == static_cast<ssize_t>(data.size());
    if (!whole && n > 0) {
        // Disk full mid-record: cut back our fragment, or if that fails,
        // end it with a newline so the next record starts on its own line.
        if (start < 0 || ::ftruncate(fd_, start) != 0) {
            if (::write(fd_, "\n", 1) != 1) {
            }
        }
    }
    ::flock(fd_, LOCK_UN);
    return whole;
}

void AuditLog::fallback(const std::string& line, const std::string& reason) {
    if (!failing_)
        std::fprintf(stderr, "ems: audit log %s unavailable (%s): records go to this log\n",
                     path_.c_str(), reason.c_str());
    failing_ = true;
    std::fprintf(stderr, "ems: audit: %s", line.c_str());
}

void AuditLog::write(const Json::Value& record) noexcept {
    std::string line;
    try {
        line = encode_php_json(record, false) + "\n";
    } catch (const std::exception& e) {
        line = "{\"op\":\"audit\",\"result\":\"error\",\"error\":\"unencodable record\"}\n";
    }
    // Renamed by logrotate (or removed): continue in a new file at the path.
    // Several processes append, so each notices on its own next record.
    if (fd_ >= 0) {
        struct stat at_path, open_file_st;
        if (::stat(path_.c_str(), &at_path) != 0 || ::fstat(fd_, &open_file_st) != 0 ||
            at_path.st_ino != open_file_st.st_ino || at_path.st_dev != open_file_st.st_dev) {
            ::close(fd_);
            fd_ = -1;
            next_open_ = 0;
        }
    }
    if (fd_ < 0 && !open_file()) {
        fallback(line, std::strerror(error_));
        return;
    }
    int error = 0;
    if (append(line, &error)) {
        error_ = 0;
        if (failing_) std::fprintf(stderr, "ems: audit log %s writable again\n", path_.c_str());
        failing_ = false;
        return;
    }
    // Reopen later: the file may have been replaced, or the disk freed.
    ::close(fd_);
    fd_ = -1;
    next_open_ = std::time(nullptr) + retry_s_;
    error_ = error ? error : EIO;
    fallback(line, std::strerror(error_));
}

}  // namespace ems::storage
