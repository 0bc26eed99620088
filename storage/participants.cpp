// Participant lists: participants/<id>.json (PHP format) plus an append-only
// journal in .ems/journal/<id>.jnl, a per-process cache keyed by the files'
// identities, and compaction that folds the journal back into the JSON file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/pool_state.hpp"
#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/journal.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;

namespace ems::storage {

namespace {

std::string first_line(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

std::string head_on_disk(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return {};
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    ::close(fd);
    return first_line(std::string_view(buf, n > 0 ? static_cast<std::size_t>(n) : 0));
}

// jsoncpp's messages span lines; log lines and audit details must not.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// errno values that mean "this entry is not a file we can read" rather than
// a passing fault of the system.
bool damaged_entry(int error) {
    return error == ELOOP || error == EISDIR || error == EINVAL || error == EACCES ||
           error == EPERM || error == ENXIO;
}

}  // namespace

void fill_from_json(ParticipantList& list, Json::Value& root) {
    if (root.isArray()) {  // PHP writes an empty list as []
        for (Json::ArrayIndex i = 0; i < root.size(); ++i) list.put(std::to_string(i), root[i]);
        return;
    }
    for (const std::string& key : order_members(root)) list.put(key, std::move(root[key]));
}

std::string encode_list(const ParticipantList& list) {
    if (list.empty()) return "[]";
    std::string out = "{";
    bool first = true;
    for (const auto& [uid, entry] : list) {
        out += first ? "\n    " : ",\n    ";
        first = false;
        out += encode_php_json(Json::Value(uid)) + ": " + encode_php_json(entry, true, 1);
    }
    return out + "\n}";
}

// The event's list is damaged: remember it (so later calls fail fast until
// the files change), keep a copy of the bytes once per version, audit and
// log that once, and throw. The damaged file itself is never touched.
void FileStorage::corrupt_list(std::int64_t event_id, ParticipantState& s, const fs::path& path,
                               const std::string& detail, const std::string* content,
                               std::int64_t mtime_ns) {
    std::string message = "participant list of event " + std::to_string(event_id) +
                          " is damaged: " + rel(path) + ": " + one_line(detail);
    bool first_time = true;
    if (content) {
        try {
            KeptCopy kept = keep_corrupt_copy(path, *content, mtime_ns);
            message += "; copy kept at " + rel(kept.path);
            first_time = kept.created;
        } catch (const std::exception& e) {
            message += "; no copy kept (" + std::string(e.what()) + ")";
        }
    }
    message += "; run ems-admin repair-list --event " + std::to_string(event_id);
    s.loaded = false;
    s.corrupt = message;
    if (first_time) {
        audit("system", "read", path, "corrupt", message);
        std::fprintf(stderr, "ems: %s\n", message.c_str());
    }
    throw CorruptList(event_id, message);
}

// A list file (JSON or journal), nullopt when absent. A symlink, folder or
// unreadable entry makes the event's list corrupt.
std::optional<std::string> FileStorage::read_list_file(std::int64_t event_id, ParticipantState& s,
                                                       const fs::path& path, FileId* id) {
    try {
        return read_file(path, id);
    } catch (const StorageError& e) {
        if (!damaged_entry(e.error)) throw;
        corrupt_list(event_id, s, path,
                     std::string("not a readable regular file (") + std::strerror(e.error) + ")",
                     nullptr, 0);
    }
}

void FileStorage::load_base(std::int64_t event_id, ParticipantState& s) {
    const fs::path path = doc_path("participants", std::to_string(event_id));
    FileId got;
    auto text = read_list_file(event_id, s, path, &got);
    s.base = got;
    s.base_content = {};
    if (!text) return;
    std::string error;
    auto root = parse_json(*text, &error);
    if (!root) corrupt_list(event_id, s, path, "not valid JSON: " + error, &*text, got.mtime_ns);
    if (!root->isObject() && !root->isArray())
        corrupt_list(event_id, s, path, "neither a JSON object nor an array", &*text, got.mtime_ns);
    fill_from_json(*s.list, *root);
    s.base_content = JournalBase{true, text->size(), sha256_hex(*text)};
}

void FileStorage::load_journal(std::int64_t event_id, ParticipantState& s, bool lock_held) {
    const fs::path path = journal_path(event_id);
    FileId got;
    auto data = read_list_file(event_id, s, path, &got);
    s.journal = got;
    if (!data) return;
    JournalScan scan = scan_journal(*data, true);
    if (!scan.bad.empty()) {
        std::string detail = scan.bad[0].describe();
        if (scan.bad.size() > 1)
            detail += " (and " + std::to_string(scan.bad.size() - 1) + " more)";
        corrupt_list(event_id, s, path, detail, &*data, got.mtime_ns);
    }
    s.journal_head = first_line(*data);
    // No header: empty, or the very first write was torn. Nothing in it was
    // ever acknowledged; the next writer replaces it.
    if (scan.header.isNull()) return;
    if (header_matches(scan.header, s.base_content)) {
        for (const Json::Value& record : scan.records) apply_record(writable_list(s), record);
        s.journal_use = JournalUse::current;
        s.journal_valid = scan.valid_bytes;
        s.journal_ops = scan.records.size();
        s.journal_lines = scan.records.size() + 1;
        return;
    }
    // A compaction folded it in and crashed before unlinking it: obsolete.
    if (journal_is_folded(*s.list, scan.records)) return;
    if (lock_held)
        keep_journal_aside(event_id, s, scan.header, scan.records.size());
    else
        s.journal_use = JournalUse::blocked, s.blocked_reason = "no lock file";
}

// The journal extends another version of the JSON file (PHP rewrote it, a
// partial restore) and holds changes that file lacks. It is never deleted
// or overwritten: moved to kept/ for `ems-admin merge-journal`, while the
// list is served from the JSON file alone.
void FileStorage::keep_journal_aside(std::int64_t event_id, ParticipantState& s,
                                     const Json::Value& header, std::size_t records) {
    const fs::path path = journal_path(event_id);
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    fs::path target =
        path.parent_path() / "kept" /
        (std::to_string(event_id) + "." + std::to_string(header_created_ns(header)) + ".jnl");
    try {
        target = move_aside(path, target);
    } catch (const StorageError& e) {
        if (e.error == ENOENT) {  // another reader (shared lock) moved it first
            s.journal = file_id(path);
            return;
        }
        s.journal_use = JournalUse::blocked;
        s.blocked_reason = e.what();
        s.blocked_errno = e.error;
        std::fprintf(stderr, "ems: journal %s does not match %s and cannot be kept aside: %s\n",
                     rel(path).c_str(), rel(base_path).c_str(), e.what());
        return;
    }
    s.journal = {};
    s.journal_head.clear();
    const std::string message = "journal " + rel(path) + " does not match " + rel(base_path) +
                                " (rewritten outside ems?); its " + std::to_string(records) +
                                " record(s) are kept at " + rel(target) +
                                ": run ems-admin merge-journal --event " + std::to_string(event_id);
    Json::Value extra(Json::objectValue);
    extra["records"] = Json::UInt64(records);
    audit("system", "keep_journal", target, "kept_aside", message, extra);
    std::fprintf(stderr, "ems: %s\n", message.c_str());
}

void FileStorage::read_journal_tail(std::int64_t event_id, ParticipantState& s) {
    const fs::path path = journal_path(event_id);
    FileId got;
    auto data = read_list_file(event_id, s, path, &got);
    if (!data || data->size() <= s.journal_valid) return;
    JournalScan scan = scan_journal(std::string_view(*data).substr(s.journal_valid), false,
                                    s.journal_valid, s.journal_lines + 1);
    if (!scan.bad.empty())
        corrupt_list(event_id, s, path, scan.bad[0].describe(), &*data, got.mtime_ns);
    for (const Json::Value& record : scan.records) apply_record(writable_list(s), record);
    s.journal_valid += scan.valid_bytes;
    s.journal_ops += scan.records.size();
    s.journal_lines += scan.records.size();
}

// Brings the state up to date with the files. Runs under the event's lock
// (shared or exclusive, or none when a reader finds no lock file) and the
// state's mutex.
void FileStorage::refresh(std::int64_t event_id, ParticipantState& s, bool lock_held) {
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    const fs::path jpath = journal_path(event_id);
    const FileId base = file_id(base_path);
    const FileId journal = file_id(jpath);
    if (s.corrupt) {
        if (base == s.base && journal == s.journal) throw CorruptList(event_id, *s.corrupt);
        s.corrupt.reset();
        s.loaded = false;
    }
    const bool same_journal =
        journal.exists == s.journal.exists &&
        (!journal.exists ||
         (journal.dev == s.journal.dev && journal.ino == s.journal.ino &&
          journal.size >= s.journal_valid &&
          // Appends grow it; a change in place (an edit, a flipped bit
          // written back) keeps the size and moves the mtime: read it all.
          (journal.size > s.journal.size || journal.mtime_ns == s.journal.mtime_ns) &&
          head_on_disk(jpath) == s.journal_head));
    if (s.loaded && base == s.base && same_journal) {
        s.journal = journal;
        if (journal.exists && s.journal_use == JournalUse::current &&
            journal.size > s.journal_valid)
            read_journal_tail(event_id, s);
        return;
    }
    s.loaded = false;
    s.list = std::make_shared<ParticipantList>();
    s.base = base;
    s.journal = journal;
    s.journal_head.clear();
    s.journal_use = JournalUse::none;
    s.journal_valid = 0;
    s.journal_lines = 0;
    s.journal_ops = 0;
    s.blocked_reason.clear();
    s.blocked_errno = 0;
    load_base(event_id, s);
    if (journal.exists) load_journal(event_id, s, lock_held);
    // A blocked journal is looked at again by the next call (a writer may
    // succeed in keeping it aside).
    s.loaded = s.journal_use != JournalUse::blocked;
}

void FileStorage::append_op(std::int64_t event_id, ParticipantState& s, const std::string& line,
                            std::size_t records) {
    const pool_state::Scope timed(pool_state::Phase::storage);
    const fs::path path = journal_path(event_id);
    if (s.journal_use == JournalUse::blocked)
        throw StorageError(
            "journal " + rel(path) +
                " does not match its JSON file and could not be kept aside: " + s.blocked_reason,
            s.blocked_errno);
    if (!s.journal.exists || s.journal_use == JournalUse::none) {
        // New journal, or one that is obsolete or torn in its header: replace
        // it atomically with a header bound to the current JSON file.
        std::string head = journal_line(journal_header(s.base_content));
        write_file_atomic(path, head);
        s.journal_head = head.substr(0, head.size() - 1);
        s.journal_use = JournalUse::current;
        s.journal_valid = head.size();
        s.journal_lines = 1;
        s.journal_ops = 0;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw_errno("open", path);
    // A torn record from a crashed writer: cut it before appending (only a
    // line without newline ever gets here; anything else is corrupt).
    if (s.journal.size > s.journal_valid &&
        ::ftruncate(fd, static_cast<off_t>(s.journal_valid)) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        throw_errno("truncate", path);
    }
    // One write() in the normal case; a crash leaves a prefix of this line
    // at most. A short write (disk full) is retried to learn the errno.
    std::size_t done = 0;
    int saved = 0;
    while (done < line.size()) {
        ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            saved = errno;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    bool synced = done == line.size();
    DeferredSync* later = synced ? DeferredSync::active() : nullptr;
    if (later) {
        later->keep(fd, path);  // fdatasync'd by the scope's sync(), after the caller's locks
    } else {
        if (synced && ::fdatasync(fd) != 0) {
            saved = errno;
            synced = false;
        }
        ::close(fd);
    }
    s.journal = file_id(path);
    if (!synced) {
        // A partial line is a torn tail, cut by the next writer
        // (s.journal_valid still ends before it).
        errno = saved ? saved : EIO;
        throw_errno("append to", path);
    }
    s.journal_valid += line.size();
    s.journal_lines += records;
    s.journal_ops += records;
}

void FileStorage::compact_locked(std::int64_t event_id, ParticipantState& s) {
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    const fs::path jpath = journal_path(event_id);
    if (!s.journal.exists) return;
    if (s.journal_use == JournalUse::blocked)
        throw StorageError(
            "journal " + rel(jpath) +
                " does not match its JSON file and could not be kept aside: " + s.blocked_reason,
            s.blocked_errno);
    if (s.journal_use == JournalUse::current) {
        const std::string text = encode_list(*s.list);
        write_file_atomic(base_path, text);
        s.base_content = JournalBase{true, text.size(), sha256_hex(text)};
    }
    // A crash here leaves a journal whose header names the old JSON file
    // and whose records the new file holds: recognised as folded.
    if (::unlink(jpath.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", jpath);
    fsync_dir(jpath.parent_path());
    s.base = file_id(base_path);
    s.journal = {};
    s.journal_head.clear();
    s.journal_use = JournalUse::none;
    s.journal_valid = 0;
    s.journal_lines = 0;
    s.journal_ops = 0;
}
void FileStorage::maybe_compact(std::int64_t event_id, ParticipantState& s,
                                const std::string& actor) {
    // Both conditions: a fixed count alone would rewrite a 100,000-entry file
    // every few thousand adds, making adds slower as lists grow.
    if (s.journal_ops < options_.journal_compact_ops || s.journal_valid <= s.base.size / 4) return;
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    try {
        compact_locked(event_id, s);
        audit(actor, "compact", base_path, "ok");
    } catch (const std::exception& e) {
        // The operation itself is durable in the journal; compaction retries later.
        audit(actor, "compact", base_path, "error", e.what());
    }
}

}  // namespace ems::storage
