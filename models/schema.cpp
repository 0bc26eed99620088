#include "models/schema.hpp"

#include <stdexcept>
#include <vector>

namespace ems::schema {
namespace {

// The PHP tables, as ../shared/fixtures/php-v2.0.2/schema.sql defines them.
// IF NOT EXISTS: on an existing PHP database they are left exactly as they are.
const char* const php_user_credentials = R"(CREATE TABLE IF NOT EXISTS `user_credentials` (
  `uid` int(11) NOT NULL AUTO_INCREMENT,
  `fname` varchar(255) DEFAULT NULL,
  `mname` varchar(255) DEFAULT NULL,
  `lname` varchar(255) DEFAULT NULL,
  `email` varchar(255) NOT NULL,
  `password` varchar(255) NOT NULL,
  `currboundtoken` varchar(64) DEFAULT '0',
  `emailverified` tinyint(1) DEFAULT 0,
  `attendedevents` longtext DEFAULT '[]',
  `creationtime` timestamp NULL DEFAULT current_timestamp(),
  `profilepicture` varchar(255) DEFAULT 'default.png',
  `password_reset_token` varchar(64) DEFAULT NULL,
  `password_reset_expiry` datetime DEFAULT NULL,
  `verification_code` varchar(255) DEFAULT NULL,
  `new_email` varchar(255) DEFAULT NULL,
  `fullname` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)";

const char* const php_events = R"(CREATE TABLE IF NOT EXISTS `events` (
  `eventid` int(11) NOT NULL AUTO_INCREMENT,
  `participantcount` int(11) NOT NULL,
  `startdate` datetime DEFAULT NULL,
  `enddate` datetime DEFAULT NULL,
  `eventinfopath` varchar(255) DEFAULT NULL,
  `location` varchar(255) DEFAULT NULL,
  `eventname` varchar(255) DEFAULT NULL,
  `eventbadgepath` varchar(255) DEFAULT 'eventbadges/default.png',
  `eventcreator` int(11) DEFAULT NULL,
  `eventkey` varchar(255) DEFAULT NULL,
  `eventshortinfo` varchar(255) DEFAULT 'noevent.php',
  `views` int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`eventid`),
  KEY `eventcreator` (`eventcreator`),
  CONSTRAINT `events_ibfk_1` FOREIGN KEY (`eventcreator`) REFERENCES `user_credentials` (`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)";

const char* const php_event_participants = R"(CREATE TABLE IF NOT EXISTS `event_participants` (
  `eventid` int(11) NOT NULL,
  `uid` int(11) NOT NULL,
  `join_time` datetime DEFAULT NULL,
  `leave_time` datetime DEFAULT NULL,
  `token` varchar(64) DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)";

struct Migration {
    int version;
    std::vector<const char*> statements;
};

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1, {php_user_credentials, php_events, php_event_participants}},
        {2,
         {R"(CREATE TABLE IF NOT EXISTS `ems_sessions` (
  `id` char(64) NOT NULL,
  `uid` varchar(36) DEFAULT NULL,
  `csrf_token` char(64) NOT NULL,
  `created_at` bigint NOT NULL,
  `last_seen` bigint NOT NULL,
  `ip` varchar(64) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `uid` (`uid`),
  KEY `last_seen` (`last_seen`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          R"(CREATE TABLE IF NOT EXISTS `ems_login_attempts` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL,
  `ip` varchar(64) NOT NULL,
  `attempted_at` bigint NOT NULL,
  PRIMARY KEY (`id`),
  KEY `email_time` (`email`, `attempted_at`),
  KEY `ip_time` (`ip`, `attempted_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          R"(CREATE TABLE IF NOT EXISTS `ems_api_tokens` (
  `token_hash` char(64) NOT NULL,
  `uid` varchar(36) NOT NULL,
  `name` varchar(100) NOT NULL,
  `created_at` bigint NOT NULL,
  `last_used` bigint DEFAULT NULL,
  PRIMARY KEY (`token_hash`),
  KEY `uid` (`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)"}},
        // Uniqueness the PHP tables lack, enforced by the database (never by
        // ALTERing the PHP tables): one account per e-mail (case-insensitive,
        // as PHP's lookups were), one event per key, and the idempotency
        // tokens of forms and API calls. Filled from the existing rows; for
        // legacy duplicates the lowest uid / eventid wins (ems-admin check
        // reports the others).
        {3,
         {R"(CREATE TABLE IF NOT EXISTS `ems_user_emails` (
  `email` varchar(255) NOT NULL,
  `uid` varchar(36) NOT NULL,
  PRIMARY KEY (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          R"(CREATE TABLE IF NOT EXISTS `ems_event_keys` (
  `eventkey` varchar(255) NOT NULL,
  `eventid` int NOT NULL,
  PRIMARY KEY (`eventkey`),
  UNIQUE KEY `eventid` (`eventid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          R"(CREATE TABLE IF NOT EXISTS `ems_idempotency` (
  `token` char(64) NOT NULL,
  `uid` varchar(36) DEFAULT NULL,
  `kind` varchar(32) NOT NULL,
  `result` varchar(64) DEFAULT NULL,
  `created_at` bigint NOT NULL,
  PRIMARY KEY (`token`),
  KEY `created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          "INSERT IGNORE INTO ems_user_emails (email, uid) "
          "SELECT email, CAST(uid AS CHAR) FROM user_credentials ORDER BY uid",
          "INSERT IGNORE INTO ems_event_keys (eventkey, eventid) "
          "SELECT eventkey, eventid FROM events WHERE eventkey IS NOT NULL AND eventkey <> '' "
          "ORDER BY eventid"}},
        // Per-address and per-account counters of sign-ups and reset
        // requests (models/throttle.hpp), one row per subject and window;
        // and the pair lookups of sign-in throttling.
        {4,
         {R"(CREATE TABLE IF NOT EXISTS `ems_rate_limits` (
  `bucket` varchar(32) NOT NULL,
  `subject` varchar(255) NOT NULL,
  `window_start` bigint NOT NULL,
  `hits` int NOT NULL,
  PRIMARY KEY (`bucket`, `subject`, `window_start`),
  KEY `window_start` (`window_start`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          "CREATE INDEX IF NOT EXISTS `email_ip_time` ON ems_login_attempts "
          "(`email`, `ip`, `attempted_at`)"}},
        // Version 5 (issue 13, event mails): what mail each user wants
        // (models/notify_prefs.hpp; no row: the defaults; pending_mail 0 off,
        // 1 immediately, 2 a daily summary).
        {5,
         {R"(CREATE TABLE IF NOT EXISTS `ems_notify_prefs` (
  `uid` varchar(36) NOT NULL,
  `registration_mail` tinyint NOT NULL DEFAULT 1,
  `pending_mail` tinyint NOT NULL DEFAULT 1,
  PRIMARY KEY (`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          // One row per organizer and day whose summary was taken
          // (notify_prefs::claim_digest).
          R"(CREATE TABLE IF NOT EXISTS `ems_digest_days` (
  `uid` varchar(36) NOT NULL,
  `day` char(10) NOT NULL,
  `sent_at` bigint NOT NULL,
  PRIMARY KEY (`uid`, `day`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)"}},
        // Version 6 (issue 13, the public listing): what /events searches
        // and sorts by (models/event_index.hpp), kept in step with `events`
        // by every create, edit and delete; events made before it are not
        // listed (their organizers choose on the edit form).
        {6,
         {R"(CREATE TABLE IF NOT EXISTS `ems_event_index` (
  `eventid` int NOT NULL,
  `name` varchar(255) NOT NULL DEFAULT '',
  `location` varchar(255) NOT NULL DEFAULT '',
  `startdate` datetime DEFAULT NULL,
  `enddate` datetime DEFAULT NULL,
  `listed` tinyint NOT NULL DEFAULT 0,
  PRIMARY KEY (`eventid`),
  KEY `listed_start` (`listed`, `startdate`, `eventid`),
  FULLTEXT KEY `name_location` (`name`, `location`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)",
          "INSERT IGNORE INTO ems_event_index (eventid, name, location, startdate, enddate, "
          "listed) "
          "SELECT eventid, COALESCE(eventname, ''), COALESCE(location, ''), startdate, enddate, 0 "
          "FROM events"}},
    };
    return all;
}

// Every statement of a migration is idempotent (IF NOT EXISTS, INSERT
// IGNORE), so two starters may run the same one at once; InnoDB may then
// pick one as a deadlock victim, and running it again is safe.
void run_idempotent(db::Db& db, const char* sql) {
    for (int attempt = 1;; ++attempt) {
        try {
            db.exec_plain(sql);
            return;
        } catch (const db::DbError& e) {
            if (attempt >= 5 || (e.code != 1213 && !e.lock_wait_timeout())) throw;
        }
    }
}

}  // namespace

int latest_version() {
    return migrations().back().version;
}

int current_version(db::Db& db) {
    db.exec_plain(R"(CREATE TABLE IF NOT EXISTS `ems_schema_migrations` (
  `version` int NOT NULL,
  `applied_at` timestamp NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci)");
    const auto row = db.query_one("SELECT COALESCE(MAX(version), 0) FROM ems_schema_migrations");
    return row ? static_cast<int>(row->num(0)) : 0;
}

int migrate(db::Db& db) {
    // No lock: concurrent starters (several hosts, Galera nodes) may apply
    // the same migration at once, which its idempotent statements allow; the
    // version's primary key records it once.
    int applied = 0;
    const int have = current_version(db);
    for (const auto& m : migrations()) {
        if (m.version <= have) continue;
        for (const char* sql : m.statements) run_idempotent(db, sql);
        try {
            db.exec("INSERT INTO ems_schema_migrations (version) VALUES (?)",
                    {static_cast<long long>(m.version)});
            ++applied;
        } catch (const db::DbError& e) {
            if (!e.duplicate_key()) throw;  // another starter recorded it first
        }
    }
    return applied;
}

void check_durability(db::Db& db) {
    const auto row = db.query_one("SELECT @@GLOBAL.innodb_flush_log_at_trx_commit");
    if (!row || row->num(0) != 1)
        throw std::runtime_error(
            "MariaDB has innodb_flush_log_at_trx_commit=" + (row ? row->str(0) : std::string("?")) +
            "; ems needs 1 so that every acknowledged registration survives a crash. "
            "Set innodb_flush_log_at_trx_commit = 1 in the server's configuration.");
}

UidKind detect_uid_kind(db::Db& db) {
    const auto row = db.query_one(
        "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = 'user_credentials' AND COLUMN_NAME = 'uid'");
    if (!row) throw std::runtime_error("schema: table user_credentials has no uid column");
    const auto type = row->str(0);
    return (type == "varchar" || type == "char") ? UidKind::guid : UidKind::integer;
}

Json::Value uid_json(UidKind kind, const std::string& uid) {
    if (kind == UidKind::integer) return static_cast<Json::Int64>(std::stoll(uid));
    return uid;
}

}  // namespace ems::schema
