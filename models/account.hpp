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
// created_at: written only when the file is new (default: now).
void sync_user_file(Store& store, const std::string& uid, const std::string& actor,
                    const std::string& created_at = {});
std::string full_name(const std::string& f, const std::string& m, const std::string& l);
std::string new_guid();

// Sign-in throttling, from the failures in ems_login_attempts (shared by
// every worker and host). Keyed by the (account, address) pair, so a
// stranger's wrong guesses never hold back the owner at another address.
struct LoginWait {
    int seconds = 0;          // 0: go ahead
    bool by_address = false;  // the address's limit, not the pair's delay
};
// After login_throttle_max failures of the pair, 60 s after the last one,
// doubling per further failure up to login_delay_max; or the address's
// login_address_max failures within login_throttle_window.
LoginWait login_wait(Store& store, const std::string& email, const std::string& ip);
void record_failure(Store& store, const std::string& email, const std::string& ip);
// A success: the pair starts over.
void clear_pair_failures(Store& store, const std::string& email, const std::string& ip);
// A password reset: every address starts over for the account.
void clear_failures(Store& store, const std::string& email);

}  // namespace ems::account
