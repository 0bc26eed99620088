// File storage for users, events and participant lists, in the PHP app's
// on-disk format (see docs/STORAGE.md for layout, journal and locking).
#pragma once

#include <json/json.h>

#include <boost/core/noncopyable.hpp>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ems::storage {

// I/O failure or a corrupt file; the message names the file. `error` is the
// errno of a failed system call (EROFS, ENOSPC, EDQUOT: the storage is
// read-only or full), 0 otherwise.
struct StorageError : std::runtime_error {
    explicit StorageError(const std::string& message, int error = 0)
        : std::runtime_error(message), error(error) {}
    int error = 0;
    // The storage cannot take writes now (read-only or full file system).
    bool unavailable() const;
};
// One event's participant list (its JSON file or its journal) is damaged:
// that event's pages and registrations answer 503 until an operator runs
// `ems-admin repair-list`; every other event keeps working. The message
// names the path and is for the log, not for visitors.
struct CorruptList : StorageError {
    CorruptList(std::int64_t event_id, const std::string& message)
        : StorageError(message), event_id(event_id) {}
    std::int64_t event_id;
};
// An id that could name something outside the storage root, or is malformed.
struct InvalidId : std::invalid_argument {
    using invalid_argument::invalid_argument;
};
// Data that cannot be written faithfully (invalid UTF-8, NaN, ...).
struct InvalidData : std::invalid_argument {
    using invalid_argument::invalid_argument;
};

// Decimal integer of 1..19 digits without sign or leading zero, or a GUID
// 8-4-4-4-12 hex digits (any case).
bool valid_uid(std::string_view uid);
// Decimal integer of 1..18 digits, > 0 (so it always fits an int64).
bool valid_event_id(std::string_view id);
bool valid_event_id(std::int64_t id);
// valid_event_id, then the value; nullopt when invalid.
std::optional<std::int64_t> parse_event_id(std::string_view id);

struct StorageOptions {
    // A constructor rather than an aggregate: `StorageOptions{root}` would
    // trip -Wmissing-field-initializers under -Werror.
    StorageOptions() = default;
    StorageOptions(std::filesystem::path root_dir, std::filesystem::path audit_log_path = {})
        : root(std::move(root_dir)), audit_log(std::move(audit_log_path)) {}

    std::filesystem::path root;
    std::filesystem::path audit_log;  // empty = root/logs/audit.log
    // Auto-compaction starts once the journal has at least this many ops
    // and is bigger than a quarter of the JSON file (keeps adds O(1)
    // amortized at any list size). Tests lower it to exercise compaction.
    std::size_t journal_compact_ops = 4096;
};

// What /health says of the storage: "ok", "read-only" or "full" (free
// space below the floor, or a folder where no file can be created).
struct StorageHealth {
    std::string state = "ok";
    std::uint64_t free_bytes = 0;
    std::string detail;
};

enum class AddResult { added, already_present, full };

// One problem found by FileStorage::inspect_lists.
struct ListProblem {
    std::int64_t event_id = 0;  // 0 when the problem is not about one event
    // "corrupt_list", "corrupt_journal", "kept_journal", "not_a_file",
    // "unreadable", "torn_tail" (informational: a crashed write, never
    // acknowledged; the next writer cuts it)
    std::string kind;
    std::string path;         // relative to the storage root
    std::string detail;       // what is wrong, line/byte of the first bad record...
    std::size_t records = 0;  // kept_journal: number of records in it
};

// What repair_list did (or would do, with dry_run).
struct RepairReport {
    std::int64_t event_id = 0;
    bool dry_run = false;
    std::size_t entries = 0;          // in the rebuilt list
    std::size_t from_file = 0;        // entries taken from participants/<id>.json
    std::size_t records_applied = 0;  // valid journal records applied
    std::vector<std::string> lost;    // what could not be recovered, one sentence each
    std::vector<std::string> notes;   // informational (torn tail, files kept aside...)
    bool complete() const { return lost.empty(); }
};

// What merge_kept_journal did (or would do, with dry_run).
struct MergeReport {
    std::int64_t event_id = 0;
    bool dry_run = false;
    std::vector<std::string> files;                     // kept journals merged (relative paths)
    std::vector<std::string> added, replaced, removed;  // uids
    std::size_t unchanged = 0;                          // records already true of the list
    std::vector<std::string> lost;                      // bad lines that were skipped
};

// Within its scope, this thread's participant writes return before their
// journal's fdatasync: the journal's descriptor is kept, and sync() makes
// every write of the scope durable. A caller uses it to release its own
// locks (the event's database row) before waiting for the disk, so that
// concurrent writers' syncs overlap and the file system batches them
// (docs/STORAGE.md, "Deferred sync"). Single-threaded callers only (one
// scope per thread; a worker process has one). Nothing written in the scope may be
// acknowledged before sync() has returned. Reads in the scope, in this or
// another process, see the written records at once (the page cache).
// Scopes nest: an inner one hands its descriptors to the outer one.
class DeferredSync : boost::noncopyable {
  public:
    DeferredSync();
    // Syncs what sync() did not (errors are logged, not thrown).
    ~DeferredSync();
    // fdatasync of every journal written in the scope (once each); throws
    // StorageError with the first failure. Idempotent.
    void sync();
    // The innermost scope of this thread, or nullptr.
    static DeferredSync* active();
    // Takes `fd` (open on the journal `path`, just written) and starts its
    // fdatasync on a thread of its own, so the disk works while the caller
    // goes on to its statements and commit.
    void keep(int fd, std::filesystem::path path);

  private:
    struct Pending;  // deferred_sync.cpp
    std::vector<Pending> pending_;
    DeferredSync* outer_;
};

// Participants of one event in file order: uid key -> entry object.
class ParticipantList {
  public:
    using Item = std::pair<const std::string, Json::Value>;
    using const_iterator = std::list<Item>::const_iterator;

    ParticipantList();
    ParticipantList(const ParticipantList& other);
    ParticipantList& operator=(const ParticipantList& other);

    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    bool contains(const std::string& uid) const { return index_.count(uid) != 0; }
    const Json::Value* find(const std::string& uid) const;
    const_iterator begin() const { return items_.begin(); }
    const_iterator end() const { return items_.end(); }
    // Object in list order (order kept as a hint the PHP encoder follows),
    // or an empty array when empty, as PHP writes it.
    Json::Value to_json() const;

    // Unique to this content in this process: a new list, a copy and every
    // change take a new one, so (list, version) can key a value computed
    // from the list (e.g. a page's pending count).
    std::uint64_t version() const { return version_; }

    // Replace in place when present, else append (PHP array semantics).
    void put(const std::string& uid, Json::Value entry);
    bool erase(const std::string& uid);

  private:
    std::list<Item> items_;
    std::unordered_map<std::string, std::list<Item>::iterator> index_;
    std::uint64_t version_;
    static std::uint64_t next_version();
};

class AuditLog;
struct FileId;
struct ParticipantState;

class FileStorage : boost::noncopyable {
  public:
    explicit FileStorage(StorageOptions options);
    ~FileStorage();

    // actor: who does it, for the audit log ("uid:12", "admin", "system").
    // Writes `data`, keeping keys of the old file that `data` lacks.
    void save_user_data(const std::string& uid, const Json::Value& data, const std::string& actor);
    std::optional<Json::Value> get_user_data(const std::string& uid);
    // Moves users/<uid>.json to .ems/retired/users/<uid>.<ns>.json (a uid
    // that no longer names an account, e.g. after `ems-admin rekey-uids`);
    // false when there was no such file. Never deletes. Audited.
    bool retire_user_data(const std::string& uid, const std::string& actor);
    void save_event_data(std::int64_t event_id, const Json::Value& data, const std::string& actor);
    std::optional<Json::Value> get_event_data(std::int64_t event_id);
    // Removes events/<id>.json, participants/<id>.json, journal and lock.
    void delete_event_data(std::int64_t event_id, const std::string& actor);
    // Moves an event's files (settings, participants, journal) to
    // .ems/orphans/<id>.<ns>/; returns that folder relative to the root.
    std::string set_aside_event(std::int64_t event_id, const std::string& actor);

    AddResult add_participant_to_event(std::int64_t event_id, const std::string& uid,
                                       const Json::Value& entry, const std::string& actor,
                                       std::optional<std::size_t> max_participants = std::nullopt);
    // Many entries at once (a migration): those not yet in the list are
    // appended with one journal write and one fdatasync, in order; returns
    // how many were added. No capacity check. One audit line.
    std::size_t add_participants_to_event(
        std::int64_t event_id, const std::vector<std::pair<std::string, Json::Value>>& entries,
        const std::string& actor);
    bool remove_participant_from_event(std::int64_t event_id, const std::string& uid,
                                       const std::string& actor);
    // Merges `fields` into the entry (e.g. status).
    bool update_participant(std::int64_t event_id, const std::string& uid,
                            const Json::Value& fields, const std::string& actor);
    // Cached per process, keyed by file identity.
    std::shared_ptr<const ParticipantList> get_event_participants(std::int64_t event_id);
    bool is_user_participant(std::int64_t event_id, const std::string& uid);
    std::size_t count_participants(std::int64_t event_id);

    std::vector<std::int64_t> list_events();  // ids having events/ or participant data
    std::vector<std::int64_t> list_participant_events();
    std::vector<std::string> list_users();

    // Folds the journal into participants/<id>.json (PHP format).
    void compact(std::int64_t event_id);
    // Every event; one that fails does not stop the others (the first
    // error is thrown at the end).
    void compact_all();

    // Reads every participants file, journal and kept journal; changes
    // nothing; never throws for one bad file (a folder that cannot be
    // listed is itself a problem with kind "unreadable").
    std::vector<ListProblem> inspect_lists();
    // Rebuilds a damaged list under the event's exclusive lock: the JSON
    // file (when it parses) plus every valid journal record in order,
    // written atomically in PHP format; damaged files are kept in
    // .ems/damaged/, never deleted. Audited.
    RepairReport repair_list(std::int64_t event_id, const std::string& actor, bool dry_run);
    // Applies the event's kept-aside journals (.ems/journal/kept/<id>.*.jnl,
    // oldest first) to the current list through the normal journal path,
    // then moves each to kept/merged/. Running it again changes nothing.
    MergeReport merge_kept_journal(std::int64_t event_id, const std::string& actor, bool dry_run);
    // "users", "events", "participants": can a file be created there (/health).
    bool writable(const std::string& folder);
    StorageHealth health(std::uint64_t min_free_bytes);

    const std::filesystem::path& root() const { return options_.root; }

  private:
    std::filesystem::path doc_path(const char* folder, const std::string& name) const;
    std::filesystem::path lock_path(const char* kind, const std::string& name) const;
    std::filesystem::path journal_path(std::int64_t event_id) const;
    std::optional<Json::Value> read_doc(const std::filesystem::path& path);
    void save_doc(const char* folder, const std::string& name, const Json::Value& data,
                  const std::string& actor);
    // `lines`: one journal record a line, `records` of them.
    void append_op(std::int64_t event_id, ParticipantState& state, const std::string& lines,
                   std::size_t records = 1);
    void keep_journal_for_sync(std::int64_t event_id);
    void compact_locked(std::int64_t event_id, ParticipantState& state);
    void maybe_compact(std::int64_t event_id, ParticipantState& state, const std::string& actor);
    template <class Fn>
    auto with_participants(std::int64_t event_id, bool exclusive, Fn&& fn);
    // Runs fn and audits `op` on the event's participants file with the
    // result's name(fn()), or with the error, which it rethrows.
    template <class Name, class Fn>
    auto audited(std::int64_t event_id, const std::string& actor, const char* op, Name&& name,
                 Fn&& fn);
    void audit(const std::string& actor, const char* op, const std::filesystem::path& file,
               const std::string& result, const std::string& error = {},
               const Json::Value& extra = Json::Value());
    std::string rel(const std::filesystem::path& p) const;
    StorageError corrupt(const std::filesystem::path& path, const std::string& detail,
                         const std::string& content, std::int64_t mtime_ns);
    [[noreturn]] void corrupt_list(std::int64_t event_id, ParticipantState& state,
                                   const std::filesystem::path& path, const std::string& detail,
                                   const std::string* content, std::int64_t mtime_ns);
    std::optional<std::string> read_list_file(std::int64_t event_id, ParticipantState& state,
                                              const std::filesystem::path& path, FileId* id);
    void refresh(std::int64_t event_id, ParticipantState& state, bool lock_held);
    void load_base(std::int64_t event_id, ParticipantState& state);
    void load_journal(std::int64_t event_id, ParticipantState& state, bool lock_held);
    void read_journal_tail(std::int64_t event_id, ParticipantState& state);
    void keep_journal_aside(std::int64_t event_id, ParticipantState& state,
                            const Json::Value& header, std::size_t records);
    // Drops the cached list of an event rebuilt behind the cache's back.
    void invalidate(std::int64_t event_id);

    StorageOptions options_;
    std::unique_ptr<AuditLog> audit_;
    std::mutex cache_mutex_;
    std::unordered_map<std::int64_t, std::shared_ptr<ParticipantState>> cache_;
};

}  // namespace ems::storage
