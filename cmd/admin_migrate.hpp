// `ems-admin migrate-to-files` and `ems-admin rekey-uids`: options, progress
// and exit codes; the work is models/migration (docs/MIGRATION.md).
#pragma once
#include <string>

namespace ems::migration {

int migrate_to_files_command(int argc, char** argv, const std::string& config_path);
int rekey_uids_command(int argc, char** argv, const std::string& config_path);

}  // namespace ems::migration
