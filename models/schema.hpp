// The database schema: the PHP app's tables for a fresh install (created
// only when absent, never altered) and ems's own ems_* tables, applied as
// numbered, idempotent migrations recorded in ems_schema_migrations.
#pragma once
#include <json/json.h>

#include <string>

#include "models/db.hpp"

namespace ems::schema {

enum class UidKind { integer, guid };

// Applies what is missing; returns the number of migrations applied.
int migrate(db::Db& db);
int current_version(db::Db& db);
int latest_version();
// Throws std::runtime_error with a clear message when the server would not
// keep acknowledged commits (innodb_flush_log_at_trx_commit != 1).
void check_durability(db::Db& db);
// INT AUTO_INCREMENT (PHP V2.0.2) or VARCHAR(36) GUIDs (after its uid-to-GUID script).
UidKind detect_uid_kind(db::Db& db);
// A uid (or eventcreator) as the PHP app wrote it into its files: a JSON
// number on INT tables, a string for GUIDs.
Json::Value uid_json(UidKind kind, const std::string& uid);

}  // namespace ems::schema
