// FileStorage::inspect_lists: every participant list problem, for
// `ems-admin check`. Reads only: no lock, no cache, no copy, no audit, so it
// can run beside live workers and on a read-only copy.
#include <sys/stat.h>

#include <cstring>
#include <map>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/journal.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;

namespace ems::storage {
namespace {

struct Inspector {
    const fs::path& root;
    std::vector<ListProblem> problems;

    std::string rel(const fs::path& p) const { return p.lexically_relative(root).string(); }

    void add(std::int64_t id, const char* kind, const fs::path& path, std::string detail,
             std::size_t records = 0) {
        problems.push_back(ListProblem{id, kind, rel(path), std::move(detail), records});
    }

    // Names in `dir` (not following links); an unlistable folder is a
    // problem itself. A missing folder is empty.
    std::vector<fs::path> entries(const fs::path& dir) {
        std::vector<fs::path> out;
        std::error_code ec;
        fs::directory_iterator it(dir, ec), end;
        for (; !ec && it != end; it.increment(ec)) out.push_back(it->path());
        if (ec && ec != std::errc::no_such_file_or_directory)
            add(0, "unreadable", dir, "cannot list the folder: " + ec.message());
        return out;
    }

    // The bytes of a list file, or nullopt after recording why not.
    std::optional<std::string> read(std::int64_t id, const fs::path& path) {
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
        if (!S_ISREG(st.st_mode)) {
            add(id, "not_a_file", path,
                S_ISLNK(st.st_mode)   ? "a symlink, never followed: the list cannot be read"
                : S_ISDIR(st.st_mode) ? "a folder instead of a file: the list cannot be read"
                                      : "not a regular file: the list cannot be read");
            return std::nullopt;
        }
        try {
            return read_file(path);
        } catch (const StorageError& e) {
            add(id, "unreadable", path, e.what());
            return std::nullopt;
        }
    }
};

// "<id>.<ext>" with a valid event id, else nullopt.
std::optional<std::int64_t> id_of(const fs::path& p, const char* ext) {
    if (p.extension() != ext) return std::nullopt;
    return parse_event_id(p.stem().string());
}

struct Base {
    bool ok = true;  // false: damaged (already reported)
    JournalBase content;
    ParticipantList list;
};

}  // namespace

std::vector<ListProblem> FileStorage::inspect_lists() {
    Inspector in{options_.root, {}};
    std::map<std::int64_t, Base> bases;
    for (const fs::path& p : in.entries(options_.root / "participants")) {
        auto id = id_of(p, ".json");
        if (!id) continue;
        Base& base = bases[*id];
        auto text = in.read(*id, p);
        if (!text) {
            base.ok = false;
            continue;
        }
        std::string error;
        auto root = parse_json(*text, &error);
        if (!root || (!root->isObject() && !root->isArray())) {
            in.add(*id, "corrupt_list", p,
                   root ? "neither a JSON object nor an array" : "not valid JSON: " + error);
            base.ok = false;
            continue;
        }
        fill_from_json(base.list, *root);
        base.content = JournalBase{true, text->size(), sha256_hex(*text)};
    }
    const fs::path journals = options_.root / ".ems" / "journal";
    for (const fs::path& p : in.entries(journals)) {
        auto id = id_of(p, ".jnl");
        if (!id) continue;
        auto data = in.read(*id, p);
        if (!data) continue;
        JournalScan scan = scan_journal(*data, true);
        if (!scan.bad.empty()) {
            std::string detail = std::to_string(scan.bad.size()) + " bad record(s), first at " +
                                 scan.bad[0].describe();
            in.add(*id, "corrupt_journal", p, detail, scan.records.size());
            continue;
        }
        if (scan.torn_tail)
            in.add(*id, "torn_tail", p,
                   "last line (byte " + std::to_string(scan.torn_offset) +
                       ") has no newline: a write that crashed before it was acknowledged; the "
                       "next writer cuts it");
        auto b = bases.find(*id);
        const Base none;
        const Base& base = b == bases.end() ? none : b->second;
        if (scan.header.isNull() || !base.ok || header_matches(scan.header, base.content) ||
            journal_is_folded(base.list, scan.records))
            continue;
        in.add(*id, "kept_journal", p,
               "does not match participants/" + std::to_string(*id) +
                   ".json (rewritten outside ems?): it will be kept aside at the next access; "
                   "merge it with ems-admin merge-journal --event " +
                   std::to_string(*id),
               scan.records.size());
    }
    for (const fs::path& p : in.entries(journals / "kept")) {
        if (p.extension() != ".jnl") continue;
        auto id = parse_event_id(p.filename().string().substr(0, p.filename().string().find('.')));
        auto data = in.read(id.value_or(0), p);
        if (!data) continue;
        JournalScan scan = scan_journal(*data, true);
        std::string detail = "kept aside: its records were not in participants/" +
                             std::to_string(id.value_or(0)) +
                             ".json when found; merge with ems-admin merge-journal --event " +
                             std::to_string(id.value_or(0));
        if (!scan.bad.empty())
            detail += "; " + std::to_string(scan.bad.size()) + " bad record(s), first at " +
                      scan.bad[0].describe();
        in.add(id.value_or(0), "kept_journal", p, detail, scan.records.size());
    }
    return std::move(in.problems);
}

}  // namespace ems::storage
