// What mail a user wants about events (the profile page's "Notifications"):
// mails about their own registrations, and, for their events, a mail for
// each registration waiting for their approval. Kept in ems_notify_prefs
// (a user without a row has the defaults: both on), never in the PHP tables.
#pragma once
#include <string>

#include "models/db.hpp"

namespace ems::notify_prefs {

struct Prefs {
    bool registration_mail = true;  // registered, waiting, approved, declined, ...
    bool pending_mail = true;       // to the organizer: a request waits for approval
};

Prefs get(db::Db& db, const std::string& uid);
void set(db::Db& db, const std::string& uid, const Prefs& prefs);

}  // namespace ems::notify_prefs
