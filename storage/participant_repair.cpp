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

// What repair_list found in one event's files.
struct Salvage {
    ParticipantList list;
    bool move_base = false;           // not a readable file: moved aside before the write
    std::optional<std::string> copy;  // unparseable bytes: copied aside
    bool journal_exists = false;
    bool journal_damaged = false;  // moved aside instead of removed
};

std::string flat(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

// 1. The JSON file, when it can be read and parses.
void salvage_base(const fs::path& path, const std::string& shown, Salvage& out, RepairReport& r) {
    bool exists = false;
    if (!is_regular(path, &exists) && exists) {
        r.lost.push_back(shown + " is not a regular file (a folder or a symlink): " +
                         "entries it may have named could not be recovered");
        out.move_base = true;
        return;
    }
    if (!exists) return;
    try {
        auto text = read_file(path);
        std::string error;
        auto root = text ? parse_json(*text, &error) : std::nullopt;
        if (root && (root->isObject() || root->isArray())) {
            fill_from_json(out.list, *root);
            r.from_file = out.list.size();
        } else if (text) {
            r.lost.push_back(shown + " is not a JSON list (" +
                             flat(error.empty() ? "not an object" : error) +
                             "): its entries could not be recovered");
            out.copy = std::move(*text);
        }
    } catch (const StorageError& e) {
        r.lost.push_back(shown + " cannot be read (" + e.what() +
                         "): its entries could not be recovered");
        out.move_base = true;
    }
}

// 2. Every valid journal record, in order, on top of it, whatever its
// header says (applying records already in the file changes nothing).
void salvage_journal(const fs::path& path, const std::string& shown, Salvage& out,
                     RepairReport& r) {
    if (!is_regular(path, &out.journal_exists) && out.journal_exists) {
        r.lost.push_back(shown + " is not a regular file: its records could not be read");
        out.journal_damaged = true;
        return;
    }
    if (!out.journal_exists) return;
    std::string data;
    try {
        data = read_file(path).value_or("");
    } catch (const StorageError& e) {
        r.lost.push_back(shown + " cannot be read (" + e.what() + ")");
        out.journal_damaged = true;
    }
    JournalScan scan = scan_journal(data, true);
    for (const BadLine& bad : scan.bad)
        r.lost.push_back(shown + " " + bad.describe() + ": record skipped: " + bad.excerpt);
    out.journal_damaged = out.journal_damaged || !scan.bad.empty();
    if (scan.torn_tail)
        r.notes.push_back(shown + " ends in a torn record at byte " +
                          std::to_string(scan.torn_offset) +
                          " (a write that crashed before it was acknowledged): ignored");
    for (const Json::Value& record : scan.records) apply_record(out.list, record);
    r.records_applied = scan.records.size();
}

// 3. Damaged files aside, 4. the rebuilt list, 5. the journal away. A crash
// between 4 and 5 leaves a list that already holds every record of the
// journal: a sound journal is then recognised as folded, a damaged one
// keeps the event corrupt and repair runs again with the same result.
void write_repaired(const fs::path& root, const std::string& name, const Salvage& found,
                    RepairReport& r) {
    const fs::path base_path = root / "participants" / (name + ".json");
    const fs::path jpath = root / ".ems" / "journal" / (name + ".jnl");
    const fs::path damaged = root / ".ems" / "damaged";
    auto rel = [&](const fs::path& p) { return p.lexically_relative(root).string(); };
    const std::string stamp = now_ns();
    if (found.copy) {
        const fs::path kept = damaged / (name + ".json." + stamp);
        write_file_atomic(kept, *found.copy);
        r.notes.push_back("the damaged " + rel(base_path) + " is kept at " + rel(kept));
    }
    if (found.move_base)
        r.notes.push_back("the damaged " + rel(base_path) + " is kept at " +
                          rel(move_aside(base_path, damaged / (name + ".json." + stamp))));
    write_file_atomic(base_path, encode_list(found.list));
    if (found.journal_exists && found.journal_damaged) {
        r.notes.push_back("the damaged " + rel(jpath) + " is kept at " +
                          rel(move_aside(jpath, damaged / (name + ".jnl." + stamp))));
    } else if (found.journal_exists) {
        if (::unlink(jpath.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", jpath);
        fsync_dir(jpath.parent_path());
    }
}

}  // namespace

RepairReport FileStorage::repair_list(std::int64_t event_id, const std::string& actor,
                                      bool dry_run) {
    if (!valid_event_id(event_id)) throw InvalidId("invalid event id " + std::to_string(event_id));
    const std::string name = std::to_string(event_id);
    const fs::path base_path = doc_path("participants", name);
    const fs::path jpath = journal_path(event_id);
    RepairReport r;
    r.event_id = event_id;
    r.dry_run = dry_run;
    LockFile lock(lock_path("participants", name), LockFile::Mode::exclusive);
    Salvage found;
    salvage_base(base_path, rel(base_path), found, r);
    salvage_journal(jpath, rel(jpath), found, r);
    r.entries = found.list.size();
    if (dry_run) return r;
    try {
        write_repaired(options_.root, name, found, r);
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
