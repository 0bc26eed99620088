// What mail a user wants about events (the profile page's "Notifications"):
// mails about their own registrations, and, for their events, a mail for
// each registration waiting for their approval. Kept in ems_notify_prefs
// (a user without a row has the defaults: both on), never in the PHP tables.
#pragma once
#include <string>
#include <vector>

#include "models/db.hpp"

namespace ems::notify_prefs {

// To the organizer, about requests waiting for approval: a mail for each,
// one summary a day (ems-admin send-digests), or none. Stored as 1, 2, 0.
enum class Pending { off = 0, immediate = 1, daily = 2 };

struct Prefs {
    bool registration_mail = true;  // registered, waiting, approved, declined, ...
    Pending pending = Pending::immediate;
};

Prefs get(db::Db& db, const std::string& uid);
void set(db::Db& db, const std::string& uid, const Prefs& prefs);
// The users who chose the daily summary.
std::vector<std::string> daily_digest_users(db::Db& db);
// Takes the summary of `day` ("YYYY-MM-DD") for `uid`: true for the one
// caller (on any host) that gets it first; release() gives it back when the
// mail could not be queued.
bool claim_digest(db::Db& db, const std::string& uid, const std::string& day);
void release_digest(db::Db& db, const std::string& uid, const std::string& day);

}  // namespace ems::notify_prefs
