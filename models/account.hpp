// Account writes: creating users on either uid schema, the user file sync
// the seed asks for, and the login-attempt counts behind throttling.
#pragma once
#include <string>

#include "models/store.hpp"

namespace ems::account {

struct NewUser {
    std::string email, fname, mname, lname, password_hash, verify_token;
};

enum class SignUp { created, replayed, email_taken };
struct SignUpResult {
    SignUp outcome = SignUp::created;
    std::string uid;  // created: the new account; replayed: the account the token made
};

// One transaction: the idempotency token (token_id from
// idempotency::token_id, "" for none), the row (AUTO_INCREMENT or a new v4
// GUID, as the table has) and ems_user_emails(email, uid), whose primary
// key keeps one account per e-mail, case-insensitively: a duplicate rolls
// back and gives email_taken. A connection lost at COMMIT is answered by
// reading back (the e-mail's uid, whose row holds our password hash), never
// by inserting again. Then writes storage/users/<uid>.json.
SignUpResult create_user(Store& store, const NewUser& u, const std::string& token_id = "");
// Also rows the PHP app added after the migration filled ems_user_emails.
bool email_taken(db::Db& db, const std::string& email);
// Rewrites storage/users/<uid>.json from the row, with the PHP keys.
void sync_user_file(Store& store, const std::string& uid, const std::string& actor);
std::string full_name(const std::string& f, const std::string& m, const std::string& l);
std::string new_guid();

// Failed sign-ins in the window, for the account or the address.
int recent_failures(Store& store, const std::string& email, const std::string& ip);
void record_failure(Store& store, const std::string& email, const std::string& ip);
void clear_failures(Store& store, const std::string& email);

}  // namespace ems::account
