// The consistent snapshot of `ems-admin backup`: the database dump and the
// storage files as of one instant at which no registration is half done
// (docs/STORAGE.md, "Backups: one consistent snapshot").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "models/db.hpp"

namespace ems::backup {

// A file held open since the snapshot instant: later renames, compactions
// and appends do not change what is archived.
struct HeldFile {
    std::string path;  // in the archive: storage/events/3.json, ...
    int fd = -1;
    std::uint64_t size = 0;  // bytes to archive (a journal: up to its last whole record)
    unsigned mode = 0640;
    std::int64_t mtime = 0;
};

struct Snapshot {
    Snapshot() = default;
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    ~Snapshot();
    int dump_fd = -1;  // mariadb-dump's output, an unnamed temporary file
    std::uint64_t dump_size = 0;
    std::map<std::string, std::uint64_t> table_rows;
    std::vector<HeldFile> held;  // events, participants and journals at the instant
    std::vector<std::string> tables;
    int schema_version = 0;
    double pause_ms = 0;  // how long registrations waited for the snapshot
};

// The database options for the tools: the config's, with room to wait for
// the registrations in flight.
db::Options admin_db_options(const Config& config);

// The command-line connection options of mariadb-dump and mariadb, and the
// environment that carries the password (never on the command line).
std::vector<std::string> client_args(const Config& config);
std::vector<std::string> client_env(const Config& config);

// Takes the snapshot; `tmp_dir` holds the dump's unnamed file (the output
// folder, so that a full disk shows up before anything is named).
void take_snapshot(const Config& config, const std::string& tmp_dir, Snapshot& out);

}  // namespace ems::backup
