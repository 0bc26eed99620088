// The user_credentials row as a plain struct, and the queries on it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "models/db.hpp"

namespace ems {

struct User {
    std::string uid;  // INT or GUID, always handled as a string
    std::string fname, mname, lname, fullname, email, password_hash;
    std::string profilepicture, creationtime, attendedevents;
    bool emailverified = false;
};

}  // namespace ems

namespace ems {

std::optional<User> find_user(db::Db& db, const std::string& uid);
// A session row (ems_sessions) with its user, in one query; `user` is
// empty when the account is gone.
struct SessionUser {
    std::string uid, csrf_token;
    long long created_at = 0, last_seen = 0;
    std::optional<User> user;
};
std::optional<SessionUser> find_session_user(db::Db& db, const std::string& session_id);
std::optional<User> find_user_by_email(db::Db& db, const std::string& email);
// Every user_credentials row, by uid.
std::vector<User> all_users(db::Db& db);
// The user owning a bearer token (its SHA-256 is what ems_api_tokens holds)
// created less than max_age seconds ago.
std::optional<User> find_user_by_api_token(db::Db& db, const std::string& token, long long max_age);
std::string sha256_hex(const std::string& data);
// "uid:12": how the audit log names a user (core/actor.hpp).
inline std::string actor_of(const User& u) {
    return user_actor(u.uid);
}

}  // namespace ems
