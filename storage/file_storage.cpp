// FileStorage: paths, user and event documents, listings, audit. The
// participant lists (journal, cache, compaction) are in participants.cpp.
#include "storage/file_storage.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/time.hpp"
#include "storage/audit_log.hpp"
#include "storage/fs_util.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;

namespace ems::storage {
namespace {

constexpr const char* doc_folders[] = {"users", "events", "participants"};

std::string checked_uid(const std::string& uid) {
    if (!valid_uid(uid)) throw InvalidId("invalid uid");
    return uid;
}

std::string checked_event(std::int64_t id) {
    if (!valid_event_id(id)) throw InvalidId("invalid event id " + std::to_string(id));
    return std::to_string(id);
}

// Stems of `dir`/*`ext` accepted by `valid`; other names are skipped. A
// missing folder is empty; one that cannot be read throws, naming it.
template <class Valid>
std::vector<std::string> stems(const fs::path& dir, const char* ext, Valid valid) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ext && valid(p.stem().string())) out.push_back(p.stem().string());
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw StorageError("cannot list " + dir.string() + ": " + ec.message(), ec.value());
    return out;
}

// Best effort: a read-only or full storage must not stop a worker from
// starting (it serves reads and answers 503 to writes).
void try_ensure_dir(const fs::path& dir) {
    try {
        ensure_dir(dir);
    } catch (const StorageError& e) {
        std::fprintf(stderr, "ems: storage: %s\n", e.what());
    }
}

}  // namespace

FileStorage::FileStorage(StorageOptions options) : options_(std::move(options)) {
    if (options_.root.empty()) throw StorageError("storage root not configured");
    if (options_.audit_log.empty()) options_.audit_log = options_.root / "logs" / "audit.log";
    for (const char* folder : doc_folders) try_ensure_dir(options_.root / folder);
    try_ensure_dir(options_.root / ".ems" / "journal");
    try_ensure_dir(options_.root / ".ems" / "locks");
    audit_ = std::make_unique<AuditLog>(options_.audit_log);  // opens its file on first write
    for (const char* folder : doc_folders) remove_stale_temps(options_.root / folder);
    remove_stale_temps(options_.root / ".ems" / "journal");
}

FileStorage::~FileStorage() = default;

fs::path FileStorage::doc_path(const char* folder, const std::string& name) const {
    return options_.root / folder / (name + ".json");
}

fs::path FileStorage::lock_path(const char* kind, const std::string& name) const {
    return options_.root / ".ems" / "locks" / (std::string(kind) + "-" + name + ".lock");
}

fs::path FileStorage::journal_path(std::int64_t event_id) const {
    return options_.root / ".ems" / "journal" / (std::to_string(event_id) + ".jnl");
}

std::string FileStorage::rel(const fs::path& p) const {
    return p.lexically_relative(options_.root).string();
}

void FileStorage::audit(const std::string& actor, const char* op, const fs::path& file,
                        const std::string& result, const std::string& error,
                        const Json::Value& extra) {
    php_json::Object record{{"ts", time::db_datetime(time::now())},
                            {"actor", actor},
                            {"op", op},
                            {"file", rel(file)},
                            {"result", result}};
    if (!error.empty()) record.add("error", error);
    if (extra.isObject())
        for (const std::string& key : order_members(extra)) record.add(key, extra[key]);
    audit_->write(record);
}

// A corrupt file is never overwritten: it is copied aside, the event is
// audited, and the caller gets an error naming both files.
StorageError FileStorage::corrupt(const fs::path& path, const std::string& detail,
                                  const std::string& content, std::int64_t mtime_ns) {
    std::string message = "corrupt file " + rel(path) + " (" + detail + ")";
    bool first_time = true;
    try {
        KeptCopy kept = keep_corrupt_copy(path, content, mtime_ns);
        message += "; copy kept at " + rel(kept.path);
        first_time = kept.created;
    } catch (const std::exception& e) {
        message += "; " + std::string(e.what());
    }
    if (first_time) audit("system", "read", path, "corrupt", message);
    return StorageError(message);
}

std::optional<Json::Value> FileStorage::read_doc(const fs::path& path) {
    // No lock: writers replace whole files by rename, so a read sees one
    // complete version.
    FileId id;
    auto text = read_file(path, &id);
    if (!text) return std::nullopt;
    std::string error;
    auto value = parse_json(*text, &error);
    if (!value) throw corrupt(path, error.empty() ? "unparseable" : error, *text, id.mtime_ns);
    if (!value->isObject() && !value->isArray())
        throw corrupt(path, "not an object", *text, id.mtime_ns);
    return value;
}

void FileStorage::save_doc(const char* folder, const std::string& name, const Json::Value& data,
                           const std::string& actor) {
    const fs::path path = doc_path(folder, name);
    try {
        if (!data.isObject()) throw InvalidData("document to save must be a JSON object");
        LockFile lock(lock_path(folder, name), LockFile::Mode::exclusive);
        auto old = read_doc(path);
        Json::Value merged = old && old->isObject() ? merge_preserving(*old, data) : data;
        write_file_atomic(path, encode_php_json(merged));
        lock.unlock();
        audit(actor, "save", path, "ok");
    } catch (const std::exception& e) {
        audit(actor, "save", path, "error", e.what());
        throw;
    }
}

void FileStorage::save_user_data(const std::string& uid, const Json::Value& data,
                                 const std::string& actor) {
    save_doc("users", checked_uid(uid), data, actor);
}

std::optional<Json::Value> FileStorage::get_user_data(const std::string& uid) {
    return read_doc(doc_path("users", checked_uid(uid)));
}

bool FileStorage::retire_user_data(const std::string& uid, const std::string& actor) {
    const std::string name = checked_uid(uid);
    const fs::path from = doc_path("users", name);
    const auto stamp =
        std::chrono::system_clock::now().time_since_epoch() / std::chrono::nanoseconds(1);
    const fs::path dir = options_.root / ".ems" / "retired" / "users";
    const fs::path to = dir / (name + "." + std::to_string(stamp) + ".json");
    try {
        LockFile lock(lock_path("users", name), LockFile::Mode::exclusive);
        ensure_dir(dir);
        if (::rename(from.c_str(), to.c_str()) != 0) {
            if (errno == ENOENT) return false;
            throw_errno("move aside", from);
        }
        fsync_dir(from.parent_path());
        fsync_dir(dir);
        lock.unlock();
        Json::Value extra(Json::objectValue);
        extra["moved_to"] = rel(to);
        audit(actor, "retire", from, "ok", {}, extra);
        return true;
    } catch (const std::exception& e) {
        audit(actor, "retire", from, "error", e.what());
        throw;
    }
}

void FileStorage::save_event_data(std::int64_t event_id, const Json::Value& data,
                                  const std::string& actor) {
    save_doc("events", checked_event(event_id), data, actor);
}

std::optional<Json::Value> FileStorage::get_event_data(std::int64_t event_id) {
    return read_doc(doc_path("events", checked_event(event_id)));
}

void FileStorage::delete_event_data(std::int64_t event_id, const std::string& actor) {
    const std::string name = checked_event(event_id);
    const fs::path event_file = doc_path("events", name);
    try {
        LockFile participants_lock(lock_path("participants", name), LockFile::Mode::exclusive);
        LockFile event_lock(lock_path("events", name), LockFile::Mode::exclusive);
        for (const fs::path& p :
             {doc_path("participants", name), journal_path(event_id), event_file}) {
            if (::unlink(p.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", p);
            fsync_dir(p.parent_path());
        }
        {
            std::lock_guard<std::mutex> guard(cache_mutex_);
            cache_.erase(event_id);
        }
        participants_lock.remove();
        event_lock.remove();
        audit(actor, "delete", event_file, "ok");
    } catch (const std::exception& e) {
        audit(actor, "delete", event_file, "error", e.what());
        throw;
    }
}

// For `check --repair`: files of an event that has no row (a create that
// crashed before its commit, a delete after it). Moved, never deleted, so a
// row restored from a backup can get them back by hand.
std::string FileStorage::set_aside_event(std::int64_t event_id, const std::string& actor) {
    const std::string name = checked_event(event_id);
    const fs::path event_file = doc_path("events", name);
    const auto stamp =
        std::chrono::system_clock::now().time_since_epoch() / std::chrono::nanoseconds(1);
    const fs::path dir = options_.root / ".ems" / "orphans" / (name + "." + std::to_string(stamp));
    try {
        LockFile participants_lock(lock_path("participants", name), LockFile::Mode::exclusive);
        LockFile event_lock(lock_path("events", name), LockFile::Mode::exclusive);
        ensure_dir(dir);
        for (const auto& [from, to] :
             {std::pair{doc_path("participants", name), dir / "participants.json"},
              {journal_path(event_id), dir / "journal.jnl"},
              {event_file, dir / "event.json"}}) {
            if (::rename(from.c_str(), to.c_str()) != 0) {
                if (errno == ENOENT) continue;
                throw_errno("move aside", from);
            }
            fsync_dir(from.parent_path());
        }
        fsync_dir(dir);
        {
            std::lock_guard<std::mutex> guard(cache_mutex_);
            cache_.erase(event_id);
        }
        Json::Value extra(Json::objectValue);
        extra["moved_to"] = rel(dir);
        audit(actor, "set_aside", event_file, "ok", {}, extra);
        return rel(dir);
    } catch (const std::exception& e) {
        audit(actor, "set_aside", event_file, "error", e.what());
        throw;
    }
}

std::vector<std::int64_t> FileStorage::list_participant_events() {
    auto is_event = [](const std::string& s) { return valid_event_id(std::string_view(s)); };
    std::set<std::int64_t> ids;
    for (const auto& s : stems(options_.root / "participants", ".json", is_event))
        ids.insert(*parse_event_id(s));
    for (const auto& s : stems(options_.root / ".ems" / "journal", ".jnl", is_event))
        ids.insert(*parse_event_id(s));
    return {ids.begin(), ids.end()};
}

std::vector<std::int64_t> FileStorage::list_events() {
    auto is_event = [](const std::string& s) { return valid_event_id(std::string_view(s)); };
    std::vector<std::int64_t> all = list_participant_events();
    for (const auto& s : stems(options_.root / "events", ".json", is_event))
        all.push_back(*parse_event_id(s));
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

std::vector<std::string> FileStorage::list_users() {
    auto out =
        stems(options_.root / "users", ".json", [](const std::string& s) { return valid_uid(s); });
    std::sort(out.begin(), out.end());
    return out;
}

bool FileStorage::writable(const std::string& folder) {
    if (std::find(std::begin(doc_folders), std::end(doc_folders), folder) == std::end(doc_folders))
        return false;
    // Creating a file is the only honest test (read-only mounts, full disks
    // of inodes, ACLs); the name matches remove_stale_temps' pattern.
    fs::path probe = options_.root / folder / (".writable.tmp." + std::to_string(::getpid()));
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, file_mode);
    if (fd < 0) return false;
    ::close(fd);
    ::unlink(probe.c_str());
    return true;
}

StorageHealth FileStorage::health(std::uint64_t min_free_bytes) {
    StorageHealth h;
    struct statvfs vfs {};
    if (::statvfs(options_.root.c_str(), &vfs) != 0) {
        h.state = "read-only";
        h.detail = std::string("cannot stat the storage root: ") + std::strerror(errno);
        return h;
    }
    h.free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (vfs.f_flag & ST_RDONLY) {
        h.state = "read-only";
        h.detail = "the storage file system is mounted read-only";
        return h;
    }
    if (h.free_bytes < min_free_bytes) {
        h.state = "full";
        h.detail = std::to_string(h.free_bytes / (1024 * 1024)) + " MiB free, below the floor of " +
                   std::to_string(min_free_bytes / (1024 * 1024)) + " MiB";
        return h;
    }
    for (const char* folder : doc_folders) {
        if (writable(folder)) continue;
        const int error = errno;
        h.state = (error == ENOSPC || error == EDQUOT) ? "full" : "read-only";
        h.detail = std::string("cannot create a file in ") + folder + ": " + std::strerror(error);
        return h;
    }
    return h;
}

}  // namespace ems::storage
