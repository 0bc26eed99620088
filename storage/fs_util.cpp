#include "storage/fs_util.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/pool_state.hpp"
#include "storage/file_storage.hpp"

namespace fs = std::filesystem;

namespace ems::storage {
namespace {

constexpr const char* temp_marker = ".tmp.";

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

void write_all(int fd, const std::string& data, const fs::path& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write", path);
        done += static_cast<std::size_t>(n);
    }
}

FileId from_stat(const struct stat& st) {
    return FileId{
        true,
        S_ISREG(st.st_mode),
        static_cast<std::uint64_t>(st.st_dev),
        static_cast<std::uint64_t>(st.st_ino),
        static_cast<std::uint64_t>(st.st_size),
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace

void throw_errno(const std::string& what, const fs::path& path) {
    const int error = errno;
    throw StorageError(what + " " + path.string() + ": " + std::strerror(error), error);
}

bool StorageError::unavailable() const {
    return error == EROFS || error == ENOSPC || error == EDQUOT;
}

void ensure_dir(const fs::path& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) return;
    if (dir.has_parent_path() && dir.parent_path() != dir) ensure_dir(dir.parent_path());
    if (::mkdir(dir.c_str(), dir_mode) != 0 && errno != EEXIST) throw_errno("mkdir", dir);
    ::chmod(dir.c_str(), dir_mode);  // exact mode whatever the umask
}

void fsync_dir(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open folder", dir);
    if (::fsync(fd.get()) != 0) throw_errno("fsync folder", dir);
}

std::optional<std::string> read_file(const fs::path& path, FileId* id) {
    const pool_state::Scope timed(pool_state::Phase::storage);
    // O_NONBLOCK: opening a planted fifo must not hang the reader.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open", path);
    }
    const FileId got = file_id(fd.get());
    if (!got.regular) {
        errno = EISDIR;
        struct stat st;
        if (::fstat(fd.get(), &st) == 0 && !S_ISDIR(st.st_mode)) errno = EINVAL;
        throw_errno("not a regular file:", path);
    }
    if (id) *id = got;
    std::string data;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read", path);
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

namespace {

// A new temp file beside `path`, written whole and fsynced. Its name is
// made by mkostemp (six random characters, created O_EXCL, retried on a
// clash), so two writers never share one, whatever their pids or hosts.
fs::path write_temp_beside(const fs::path& path, const std::string& content, mode_t mode) {
    const fs::path dir = path.parent_path();
    ensure_dir(dir);
    std::string name = (dir / ("." + path.filename().string() + temp_marker + "XXXXXX")).string();
    Fd fd(::mkostemp(name.data(), O_CLOEXEC));
    const fs::path temp = name;
    if (fd.get() < 0) throw_errno("create", temp);
    try {
        ::fchmod(fd.get(), mode);  // mkostemp made it 0600
        write_all(fd.get(), content, temp);
        if (::fsync(fd.get()) != 0) throw_errno("fsync", temp);
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    return temp;
}

}  // namespace

bool write_new_file(const fs::path& path, const std::string& content, mode_t mode) {
    const pool_state::Scope timed(pool_state::Phase::storage);
    const fs::path temp = write_temp_beside(path, content, mode);
    // link(2) never replaces: the name is ours only if nobody has it.
    const int rc = ::link(temp.c_str(), path.c_str());
    const int saved = errno;
    ::unlink(temp.c_str());
    if (rc != 0) {
        if (saved == EEXIST) return false;
        errno = saved;
        throw_errno("link", path);
    }
    fsync_dir(path.parent_path());
    return true;
}

void write_file_atomic(const fs::path& path, const std::string& content, mode_t mode) {
    const pool_state::Scope timed(pool_state::Phase::storage);
    const fs::path dir = path.parent_path();
    const fs::path temp = write_temp_beside(path, content, mode);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        throw_errno("rename over", path);
    }
    fsync_dir(dir);
}

void remove_stale_temps(const fs::path& dir, int min_age_s) {
    std::error_code ec;
    const std::time_t now = std::time(nullptr);
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name[0] != '.' || name.find(temp_marker) == std::string::npos) continue;
        struct stat st;
        if (::lstat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > min_age_s)
            ::unlink(entry.path().c_str());
    }
}

KeptCopy keep_corrupt_copy(const fs::path& path, const std::string& content,
                           std::int64_t mtime_ns) {
    KeptCopy kept{path, false};
    kept.path += ".corrupt-" + std::to_string(mtime_ns);
    struct stat st;
    if (::lstat(kept.path.c_str(), &st) == 0) return kept;
    // Written like any other file (temp, fsync, rename), so a crash never
    // leaves a half copy that would pass for the kept one.
    write_file_atomic(kept.path, content);
    kept.created = true;
    return kept;
}

fs::path move_aside(const fs::path& from, fs::path to) {
    ensure_dir(to.parent_path());
    const fs::path wanted = to;
    for (int n = 1;; ++n) {
        if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) break;
        if (errno == EINVAL) {  // file system without RENAME_NOREPLACE: link + unlink
            if (::link(from.c_str(), to.c_str()) == 0) {
                if (::unlink(from.c_str()) != 0) throw_errno("unlink", from);
                break;
            }
        }
        if (errno != EEXIST || n > 1000) throw_errno("move aside", from);
        to = wanted;
        to += "." + std::to_string(n);
    }
    fsync_dir(to.parent_path());
    fsync_dir(from.parent_path());
    return to;
}

FileId file_id(const fs::path& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        throw_errno("stat", path);
    }
    return from_stat(st);
}

FileId file_id(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) throw_errno("fstat", "fd " + std::to_string(fd));
    return from_stat(st);
}

LockFile::LockFile(const fs::path& path, Mode mode, bool create) : path_(path) {
    const pool_state::Scope timed(pool_state::Phase::storage);
    if (create) ensure_dir(path.parent_path());
    for (;;) {
        // Read-only open: flock needs no write access, so readers keep
        // working on a read-only file system (writers fail later, at the
        // write, with EROFS).
        int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
        int fd = ::open(path.c_str(), flags, file_mode);
        if (fd < 0) {
            if (!create && errno == ENOENT) return;
            throw_errno("open lock", path);
        }
        int op = mode == Mode::shared ? LOCK_SH : LOCK_EX;
        if (mode == Mode::exclusive_nowait) op |= LOCK_NB;
        while (::flock(fd, op) != 0) {
            if (errno == EINTR) continue;
            if (errno == EWOULDBLOCK && mode == Mode::exclusive_nowait) {
                ::close(fd);
                return;
            }
            int saved = errno;
            ::close(fd);
            errno = saved;
            throw_errno("flock", path);
        }
        // The holder before us may have unlinked the file (event deleted).
        FileId on_disk = file_id(path);
        FileId held = file_id(fd);
        if (on_disk.exists && on_disk.dev == held.dev && on_disk.ino == held.ino) {
            fd_ = fd;
            return;
        }
        ::close(fd);
        if (!create && !on_disk.exists) return;
    }
}

void LockFile::unlock() {
    if (fd_ < 0) return;
    ::flock(fd_, LOCK_UN);  // explicit, so the order is visible in strace
    ::close(fd_);
    fd_ = -1;
}

void LockFile::remove() {
    if (fd_ >= 0) ::unlink(path_.c_str());
}

LockFile::~LockFile() {
    unlock();
}

}  // namespace ems::storage
