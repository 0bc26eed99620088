#include "models/notify_prefs.hpp"

namespace ems::notify_prefs {

Prefs get(db::Db& db, const std::string& uid) {
    const auto row = db.query_one(
        "SELECT registration_mail, pending_mail FROM ems_notify_prefs WHERE uid = ?", {uid});
    if (!row) return {};
    return {row->num(0) != 0, row->num(1) != 0};
}

void set(db::Db& db, const std::string& uid, const Prefs& prefs) {
    const long long reg = prefs.registration_mail ? 1 : 0, pending = prefs.pending_mail ? 1 : 0;
    db.exec(
        "INSERT INTO ems_notify_prefs (uid, registration_mail, pending_mail) VALUES (?, ?, ?) "
        "ON DUPLICATE KEY UPDATE registration_mail = VALUES(registration_mail), "
        "pending_mail = VALUES(pending_mail)",
        {uid, reg, pending});
}

}  // namespace ems::notify_prefs
