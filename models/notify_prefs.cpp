#include "models/notify_prefs.hpp"

#include <ctime>

namespace ems::notify_prefs {

Prefs get(db::Db& db, const std::string& uid) {
    const auto row = db.query_one(
        "SELECT registration_mail, pending_mail FROM ems_notify_prefs WHERE uid = ?", {uid});
    if (!row) return {};
    const auto pending = row->num(1);
    return {row->num(0) != 0, pending == 2   ? Pending::daily
                              : pending == 0 ? Pending::off
                                             : Pending::immediate};
}

void set(db::Db& db, const std::string& uid, const Prefs& prefs) {
    const long long reg = prefs.registration_mail ? 1 : 0;
    const auto pending = static_cast<long long>(prefs.pending);
    db.exec(
        "INSERT INTO ems_notify_prefs (uid, registration_mail, pending_mail) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE registration_mail = VALUES(registration_mail), "
        "pending_mail = VALUES(pending_mail)",
        {uid, reg, pending});
}

std::vector<std::string> daily_digest_users(db::Db& db) {
    std::vector<std::string> out;
    for (const auto& row :
         db.query("SELECT uid FROM ems_notify_prefs WHERE pending_mail = 2 ORDER BY uid"))
        out.push_back(row.str(0));
    return out;
}

// The unique key makes the claim: two hosts (or two runs) on the same day
// insert the same row, and only one of them inserts it.
bool claim_digest(db::Db& db, const std::string& uid, const std::string& day) {
    return db.exec("INSERT IGNORE INTO ems_digest_days (uid, day, sent_at) VALUES (?, ?, ?)",
                   {uid, day, static_cast<long long>(std::time(nullptr))}) == 1;
}

void release_digest(db::Db& db, const std::string& uid, const std::string& day) {
    db.exec("DELETE FROM ems_digest_days WHERE uid = ? AND day = ?", {uid, day});
}

}  // namespace ems::notify_prefs
