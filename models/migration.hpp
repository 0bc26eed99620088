// `ems-admin migrate-to-files` and `ems-admin rekey-uids`: moving a PHP
// deployment's data into the files (docs/MIGRATION.md). Everything is
// written through the storage layer and under the registration path's row
// locks, so both are safe on a serving site, and both are idempotent: a run
// cut short (Ctrl-C, SIGKILL) is finished by running it again.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/store.hpp"

namespace ems::migration {

// Called after each item with (done, total); the command draws its progress.
using Progress = std::function<void(std::size_t done, std::size_t total)>;

struct Options {
    bool dry_run = false;
    std::optional<std::int64_t> event;  // only this event (its file, list, count, attended)
    Progress progress;
    // Tests of resumability: raise SIGKILL after this many participant
    // writes (0: never). From EMS_MIGRATE_KILL_AFTER in ems-admin.
    std::size_t kill_after = 0;
    // Old integer uid -> GUID (rekey-uids): the legacy table's rows of an
    // old uid are taken as the GUID's.
    std::map<std::string, std::string> rekey;
};

struct Report {
    bool dry_run = false;
    std::size_t users_written = 0, users_unchanged = 0;
    std::size_t events_written = 0, events_unchanged = 0;
    std::size_t added_from_attended = 0, added_from_table = 0, already_present = 0;
    std::size_t counts_set = 0, attended_set = 0;
    std::vector<std::string> skipped;  // one sentence each: the item and why
    std::vector<std::string> actions;  // what was (or, dry run, would be) written
    std::size_t changes() const {
        return users_written + events_written + added_from_attended + added_from_table +
               counts_set + attended_set;
    }
};

// Users -> users/<uid>.json, events -> events/<id>.json (settings and keys
// already in a file kept), participants from every user's attendedevents
// and from event_participants, then each participantcount and attended list
// set from the files.
Report migrate_to_files(Store& store, const Options& options);
void print_report(const Report& report, std::ostream& out);

// Every difference between the database and the files that a migration
// would remove, one sentence each (empty: they agree).
std::vector<std::string> verify(Store& store, std::optional<std::int64_t> event);

// --- rekey-uids ---

// old integer uid -> GUID, from uid-map.tsv (old uid, GUID, e-mail).
struct UidMap {
    std::map<std::string, std::string> guid_of;
    std::vector<std::string> notes;  // how each entry was found (detect)
};

// Reads the PHP app's uid-map.tsv and checks it against the database: each
// line three tab-separated columns, an integer, a GUID that is a user of
// the database, and that user's e-mail. Throws std::invalid_argument naming
// every bad line (nothing is changed then).
UidMap read_uid_map(Store& store, const std::string& path);
// Without a map: users/<int>.json files and participant entries under an
// integer uid whose e-mail is a GUID user's.
UidMap detect_uid_map(Store& store);

struct RekeyReport {
    bool dry_run = false;
    std::size_t entries_moved = 0, entries_already = 0, user_files_moved = 0;
    std::vector<std::string> skipped, actions;
    Report rest;  // the migration run after the moves, with the map
    std::size_t changes() const { return entries_moved + user_files_moved + rest.changes(); }
};

// Moves participant entries, users/<int>.json and the event_participants
// registrations of each old uid to its GUID (the PHP table itself is not
// altered: ems never reads it after this), rewrites event files whose
// creator changed, then sets counts and attended lists from the files.
RekeyReport rekey_uids(Store& store, const UidMap& map, bool dry_run);
void print_report(const RekeyReport& report, std::ostream& out);

}  // namespace ems::migration
