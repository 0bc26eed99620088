// Participant lists: participants/<id>.json (PHP format) plus an append-only
// journal in .ems/journal/<id>.jnl, a per-process cache keyed by the files'
// identities, and compaction that folds the journal back into the JSON file.
#include <fcntl.h>
#include <unistd.h>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/journal.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;

namespace ems::storage {

namespace {

std::string first_line(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    ::close(fd);
    std::string_view text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    return std::string(text.substr(0, text.find('\n')));
}

std::string read_from(const fs::path& path, std::uint64_t offset) {
    auto text = read_file(path);  // journals stay small: compaction bounds them
    if (!text || text->size() <= offset) return {};
    return text->substr(offset);
}

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

}  // namespace

void FileStorage::read_journal(std::int64_t event_id, ParticipantState& s, bool from_start) {
    const fs::path path = journal_path(event_id);
    std::string data = read_from(path, from_start ? 0 : s.journal_valid);
    JournalScan scan;
    try {
        scan = scan_journal(data, path);
    } catch (const StorageError& e) {
        throw corrupt(path, e.what());
    }
    std::size_t first = 0;
    if (from_start) {
        s.journal_head = first_line(path);
        s.journal_current = !scan.records.empty() && header_matches(scan.records[0], s.base);
        s.journal_valid = 0;
        s.journal_ops = 0;
        first = 1;
        if (!s.journal_current) return;  // stale or torn header: already folded
    }
    for (std::size_t i = first; i < scan.records.size(); ++i)
        apply_record(writable_list(s), scan.records[i], path);
    s.journal_valid += scan.valid_bytes;
    s.journal_ops += scan.records.size() - first;
}

// Brings the state up to date with the files. Runs under the event's lock
// (shared or exclusive) and the state's mutex.
void FileStorage::refresh(std::int64_t event_id, ParticipantState& s) {
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    const fs::path jpath = journal_path(event_id);
    FileId base = file_id(base_path);
    FileId journal = file_id(jpath);
    bool same_journal = journal.exists == s.journal.exists &&
                        (!journal.exists ||
                         (journal.dev == s.journal.dev && journal.ino == s.journal.ino &&
                          journal.size >= s.journal_valid && first_line(jpath) == s.journal_head));
    if (s.loaded && base == s.base && same_journal) {
        if (journal.exists && s.journal_current && journal.size > s.journal_valid)
            read_journal(event_id, s, false);
        s.journal = journal;
        return;
    }
    s.loaded = false;
    auto list = std::make_shared<ParticipantList>();
    if (auto text = read_file(base_path)) {
        std::string error;
        auto root = parse_json(*text, &error);
        if (!root) throw corrupt(base_path, error);
        if (!root->isObject() && !root->isArray()) throw corrupt(base_path, "not an object");
        fill_from_json(*list, *root);
    }
    s.list = std::move(list);
    s.base = base;
    s.journal = journal;
    s.journal_head.clear();
    s.journal_current = false;
    s.journal_valid = 0;
    s.journal_ops = 0;
    if (journal.exists) read_journal(event_id, s, true);
    s.loaded = true;
}

void FileStorage::append_op(std::int64_t event_id, ParticipantState& s, const std::string& line) {
    const fs::path path = journal_path(event_id);
    if (!s.journal.exists || !s.journal_current) {
        // New journal, or one that is stale or torn in its header: replace it
        // atomically with a header bound to the current JSON file.
        std::string head = journal_line(journal_header(s.base));
        write_file_atomic(path, head);
        s.journal_head = head.substr(0, head.size() - 1);
        s.journal_current = true;
        s.journal_valid = head.size();
        s.journal_ops = 0;
    } else if (s.journal.size > s.journal_valid) {
        // A torn record from a crashed writer: cut it before appending.
        if (::truncate(path.c_str(), static_cast<off_t>(s.journal_valid)) != 0)
            throw_errno("truncate", path);
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) throw_errno("open", path);
    // One write(): a crash leaves a prefix of this line at most.
    ssize_t n = ::write(fd, line.data(), line.size());
    int saved = errno;
    bool synced = n == static_cast<ssize_t>(line.size()) && ::fdatasync(fd) == 0;
    if (!synced && n >= 0) saved = errno;
    ::close(fd);
    s.journal = file_id(path);
    if (!synced) {
        errno = saved ? saved : EIO;
        throw_errno("append to", path);
    }
    s.journal_valid += line.size();
    ++s.journal_ops;
}

void FileStorage::compact_locked(std::int64_t event_id, ParticipantState& s) {
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    const fs::path jpath = journal_path(event_id);
    if (!s.journal.exists) return;
    if (s.journal_current) write_file_atomic(base_path, encode_list(*s.list));
    // A crash here leaves a journal whose header names the old JSON file:
    // it is recognised as folded and ignored.
    if (::unlink(jpath.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", jpath);
    fsync_dir(jpath.parent_path());
    s.base = file_id(base_path);
    s.journal = {};
    s.journal_head.clear();
    s.journal_current = false;
    s.journal_valid = 0;
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
