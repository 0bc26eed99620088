// `ems-admin backup --out FILE [--force]`, `backup --verify FILE` and
// `restore FILE [--force]`: one age-encrypted tar holding a consistent
// snapshot of the database and the storage, with a manifest (README,
// "Backups"; docs/STORAGE.md for the snapshot).
#pragma once
#include <cstdint>
#include <string>

#include "cmd/backup_archive.hpp"
#include "core/config.hpp"

namespace ems::backup {

inline constexpr const char* ems_version = "ems 1.0 (PHP app 2.0.2 data)";

int backup_command(int argc, char** argv, const std::string& config_path);
int restore_command(int argc, char** argv, const std::string& config_path);

// Receives the archive's entries as they are decrypted (restore writes them).
class Sink {
  public:
    virtual ~Sink() = default;
    virtual void begin(const std::string& path, std::uint64_t size, unsigned mode) = 0;
    virtual void data(const char* p, std::size_t n) = 0;
    virtual void end() = 0;
};

// Decrypts FILE with the configured key and streams every entry to `sink`,
// then checks every checksum and count against the manifest. Throws Failure
// naming the problem (wrong key, truncated, altered, missing entries...).
Manifest read_archive(const Config& config, const std::string& file, Sink& sink);

// Root about to write into a folder another user owns (www-data's storage):
// the files it would create would be root's, which the PHP pool cannot
// read. The refusal to print, or "" when the run may go on.
std::string foreign_owner_refusal(const std::string& dir, const std::string& command);

// "N tables (R rows), F files" for the messages.
std::string summary(const Manifest& m);

}  // namespace ems::backup
