// Operator repairs of one event's participant list: repair_list rebuilds a
// damaged list from every valid record, merge_kept_journal applies journals
// that were kept aside. Both run under the event's exclusive lock, keep
// every damaged file (never delete it) and are audited.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/journal.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;

namespace ems::storage {
namespace {

std::string now_ns() {
    return std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                          std::chrono::nanoseconds(1));
}

bool is_regular(const fs::path& path, bool* exists) {
    struct stat st;
    *exists = ::lstat(path.c_str(), &st) == 0;
    return *exists && S_ISREG(st.st_mode);
}

// Kept journals of one event, oldest first: <id>.<created_ns>[.n].jnl.
std::vector<fs::path> kept_journals(const fs::path& dir, std::int64_t event_id) {
    const std::string prefix = std::to_string(event_id) + ".";
    std::vector<std::pair<std::int64_t, fs::path>> found;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0 || it->path().extension() != ".jnl") continue;
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        std::int64_t ns = 0;
        try {
            ns = std::stoll(name.substr(prefix.size()));
        } catch (const std::exception&) {
        }
        found.emplace_back(ns, it->path());
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw StorageError("cannot list " + dir.string() + ": " + ec.message(), ec.value());
    std::sort(found.begin(), found.end());
    std::vector<fs::path> out;
    for (auto& f : found) out.push_back(std::move(f.second));
    return out;
}

std::string join(const std::vector<std::string>& items, std::size_t limit = 20) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? " " : "") + items[i];
    if (items.size() > limit) out += " ...";
    return out;
}

}  // namespace

RepairReport FileStorage::repair_list(std::int64_t event_id, const std::string& actor,
                                      bool dry_run) {
    if (!valid_event_id(event_id)) throw InvalidId("invalid event id " + std::to_string(event_id));
    const std::string name = std::to_string(event_id);
    const fs::path base_path = doc_path("participants", name);
    const fs::path jpath = journal_path(event_id);
    const fs::path damaged = options_.root / ".ems" / "damaged";
    RepairReport r;
    r.event_id = event_id;
    r.dry_run = dry_run;
    LockFile lock(lock_path("participants", name), LockFile::Mode::exclusive);
    ParticipantList list;

    // 1. The JSON file, when it can be read and parses.
    bool exists = false;
    bool move_base = false;           // not a readable file: moved aside before the write
    std::optional<std::string> copy;  // unparseable bytes: copied aside
    if (!is_regular(base_path, &exists) && exists) {
        r.lost.push_back(rel(base_path) + " is not a regular file (a folder or a symlink): " +
                         "entries it may have named could not be recovered");
        move_base = true;
    } else if (exists) {
        try {
            auto text = read_file(base_path);
            std::string error;
            auto root = text ? parse_json(*text, &error) : std::nullopt;
            if (root && (root->isObject() || root->isArray())) {
                fill_from_json(list, *root);
                r.from_file = list.size();
            } else if (text) {
                r.lost.push_back(rel(base_path) + " is not a JSON list (" +
                                 (error.empty() ? "not an object" : error) +
                                 "): its entries could not be recovered");
                copy = std::move(*text);
            }
        } catch (const StorageError& e) {
            r.lost.push_back(rel(base_path) + " cannot be read (" + e.what() +
                             "): its entries could not be recovered");
            move_base = true;
        }
    }

    // 2. Every valid journal record, in order, on top of it.
    bool journal_exists = false, journal_damaged = false;
    if (!is_regular(jpath, &journal_exists) && journal_exists) {
        r.lost.push_back(rel(jpath) + " is not a regular file: its records could not be read");
        journal_damaged = true;
    } else if (journal_exists) {
        std::string data;
        try {
            data = read_file(jpath).value_or("");
        } catch (const StorageError& e) {
            r.lost.push_back(rel(jpath) + " cannot be read (" + e.what() + ")");
            journal_damaged = true;
        }
        JournalScan scan = scan_journal(data, true);
        for (const BadLine& bad : scan.bad)
            r.lost.push_back(rel(jpath) + " " + bad.describe() +
                             ": record skipped: " + bad.excerpt);
        journal_damaged = journal_damaged || !scan.bad.empty();
        if (scan.torn_tail)
            r.notes.push_back(rel(jpath) + " ends in a torn record at byte " +
                              std::to_string(scan.torn_offset) +
                              " (a write that crashed before it was acknowledged): ignored");
        for (const Json::Value& record : scan.records) apply_record(list, record);
        r.records_applied = scan.records.size();
    }
    r.entries = list.size();
    if (dry_run) return r;

    // 3. Damaged files aside, 4. the rebuilt list, 5. the journal away.
    // A crash between 4 and 5 leaves a list that already holds every
    // record of the journal: the journal is recognised as folded, or (if
    // damaged) repair runs again with the same result.
    const std::string stamp = now_ns();
    try {
        if (copy) {
            const fs::path kept = damaged / (name + ".json." + stamp);
            write_file_atomic(kept, *copy);
            r.notes.push_back("the damaged " + rel(base_path) + " is kept at " + rel(kept));
        }
        if (move_base)
            r.notes.push_back("the damaged " + rel(base_path) + " is kept at " +
                              rel(move_aside(base_path, damaged / (name + ".json." + stamp))));
        write_file_atomic(base_path, encode_list(list));
        if (journal_exists && journal_damaged) {
            r.notes.push_back("the damaged " + rel(jpath) + " is kept at " +
                              rel(move_aside(jpath, damaged / (name + ".jnl." + stamp))));
        } else if (journal_exists) {
            if (::unlink(jpath.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", jpath);
            fsync_dir(jpath.parent_path());
        }
    } catch (const std::exception& e) {
        invalidate(event_id);
        audit(actor, "repair_list", base_path, "error", e.what());
        throw;
    }
    invalidate(event_id);
    Json::Value extra(Json::objectValue);
    extra["entries"] = Json::UInt64(r.entries);
    extra["lost"] = Json::UInt64(r.lost.size());
    audit(actor, "repair_list", base_path, r.complete() ? "repaired" : "repaired_partly",
          r.lost.empty() ? std::string() : join(r.lost, 5), extra);
    return r;
}

MergeReport FileStorage::merge_kept_journal(std::int64_t event_id, const std::string& actor,
                                            bool dry_run) {
    MergeReport m;
    m.event_id = event_id;
    m.dry_run = dry_run;
    const fs::path kept_dir = options_.root / ".ems" / "journal" / "kept";
    const fs::path base_path = doc_path("participants", std::to_string(event_id));
    // The exclusive lock's refresh first keeps aside a journal that does
    // not match the JSON file, so it is merged here too.
    with_participants(event_id, true, [&](ParticipantState& s) {
        ParticipantList preview;
        if (dry_run) preview = *s.list;
        for (const fs::path& file : kept_journals(kept_dir, event_id)) {
            JournalScan scan = scan_journal(read_file(file).value_or(""), true);
            for (const BadLine& bad : scan.bad)
                m.lost.push_back(rel(file) + " " + bad.describe() +
                                 ": record skipped: " + bad.excerpt);
            for (const Json::Value& record : scan.records) {
                const std::string key = record["key"].asString();
                const ParticipantList& now = dry_run ? preview : *s.list;
                const Json::Value* have = now.find(key);
                const bool put = record["op"] == "put";
                if (put ? have && same_entry(*have, record["entry"]) : !have) {
                    ++m.unchanged;
                    continue;
                }
                const char* result = !put ? "removed" : have ? "replaced" : "added";
                (!put ? m.removed : have ? m.replaced : m.added).push_back(key);
                if (dry_run) {
                    apply_record(preview, record);
                    continue;
                }
                append_op(event_id, s, journal_line(record));
                apply_record(writable_list(s), record);
                Json::Value extra(Json::objectValue);
                extra["uid"] = key;
                audit(actor, "merge_journal", base_path, result, {}, extra);
            }
            m.files.push_back(rel(file));
            // Merged: out of kept/, but never deleted.
            if (!dry_run) move_aside(file, kept_dir / "merged" / file.filename());
        }
        if (!dry_run) maybe_compact(event_id, s, actor);
    });
    return m;
}

}  // namespace ems::storage
