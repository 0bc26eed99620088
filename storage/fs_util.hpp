// POSIX file helpers for storage/: flock'ed lock files, durable atomic
// replacement, identities for cache validation.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ems::storage {

constexpr mode_t file_mode = 0640;
constexpr mode_t dir_mode = 0750;

// Throws StorageError naming `path` with strerror(errno).
[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path);

// Creates `dir` and missing parents below it with dir_mode.
void ensure_dir(const std::filesystem::path& dir);
void fsync_dir(const std::filesystem::path& dir);

struct FileId;

// Whole file, or nullopt when it does not exist. Never follows a symlink
// (O_NOFOLLOW: ELOOP) and refuses anything but a regular file (EISDIR or
// EINVAL in the StorageError), so nothing outside the storage root is read
// through a planted link. `id`, when given, is the identity of the file the
// bytes came from (fstat of the same descriptor).
std::optional<std::string> read_file(const std::filesystem::path& path, FileId* id = nullptr);

// The one durable atomic write (storage files, mail outbox, profile
// pictures): a temp file beside `path` written whole (short writes and
// EINTR retried), fsynced, renamed over `path`, then the folder fsynced, so
// after a crash `path` holds the old or the new bytes, never a part.
// Creates a missing folder with dir_mode; `mode` is the file's exact mode
// (0644 for files nginx serves itself). Throws StorageError. Callers that
// may race on one path hold its lock.
void write_file_atomic(const std::filesystem::path& path, const std::string& content,
                       mode_t mode = file_mode);

// The same bytes, durably, at `path` only if nothing is there yet (a
// link(2) of the written temp file): false, and nothing written, when the
// name is taken. For names that must not replace another's file (profile
// pictures uploaded in the same second).
bool write_new_file(const std::filesystem::path& path, const std::string& content,
                    mode_t mode = file_mode);

// Removes temp files of write_file_atomic older than `min_age_s` (a younger
// one may belong to a writer in another process).
void remove_stale_temps(const std::filesystem::path& dir, int min_age_s = 60);

struct KeptCopy {
    std::filesystem::path path;
    bool created = false;  // false: a copy of this version was kept before
};
// Writes `content` (the bytes just read from `path`) to
// <path>.corrupt-<mtime_ns> unless that copy exists (once per version).
KeptCopy keep_corrupt_copy(const std::filesystem::path& path, const std::string& content,
                           std::int64_t mtime_ns);

// Renames `from` to `to` without replacing an existing file (a numbered
// suffix is added then), creating `to`'s folder, and fsyncs both folders.
// Returns the final path.
std::filesystem::path move_aside(const std::filesystem::path& from, std::filesystem::path to);

// Identity of a directory entry, for caches only (never written to disk:
// a copy or restore changes every field but the size).
struct FileId {
    bool exists = false;
    bool regular = false;  // lstat: false for a symlink, a folder, a fifo...
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileId&) const = default;
};
// lstat: a symlink is reported as itself, never followed.
FileId file_id(const std::filesystem::path& path);
FileId file_id(int fd);

// flock() on a separate lock file, held for the object's lifetime. Retries
// when the file was unlinked (event deleted) between open and lock, so two
// holders can never lock different inodes of one path.
class LockFile {
  public:
    // exclusive_nowait: returns an unheld lock when another holds it.
    enum class Mode { shared, exclusive, exclusive_nowait };
    // create=false: returns an unheld lock when the file does not exist.
    LockFile(const std::filesystem::path& path, Mode mode, bool create = true);
    ~LockFile();
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;
    bool held() const { return fd_ >= 0; }
    // Unlinks the lock file while still holding it (delete_event_data).
    void remove();
    void unlock();

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace ems::storage
