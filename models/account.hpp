// Account writes: creating users on either uid schema, the user file sync
// the seed asks for, and the login-attempt counts behind throttling.
#pragma once
#include <string>

#include "fcgi/app.hpp"

namespace ems::account {

struct NewUser {
    std::string email, fname, mname, lname, password_hash, verify_token;
};

// Inserts the row (AUTO_INCREMENT or a new v4 GUID, as the table has) and
// writes storage/users/<uid>.json; returns the uid.
std::string create_user(App& app, const NewUser& u);
bool email_taken(db::Db& db, const std::string& email);
// Rewrites storage/users/<uid>.json from the row, with the PHP keys.
void sync_user_file(App& app, const std::string& uid, const std::string& actor);
std::string full_name(const std::string& f, const std::string& m, const std::string& l);
std::string new_guid();

// Failed sign-ins in the window, for the account or the address.
int recent_failures(App& app, const std::string& email, const std::string& ip);
void record_failure(App& app, const std::string& email, const std::string& ip);
void clear_failures(App& app, const std::string& email);

}  // namespace ems::account
