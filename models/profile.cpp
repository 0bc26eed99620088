#include "models/profile.hpp"

#include <ctime>

#include "core/text.hpp"
#include "core/time.hpp"
#include "models/account.hpp"
#include "models/user.hpp"

namespace ems::profile {
namespace {

const char* const by_uid = " WHERE uid = CAST(? AS CHAR)";

std::string format_time(long long t) {
    if (t <= 0) return "never";
    return time::minute_datetime(time::Seconds{std::chrono::seconds{t}});
}

}  // namespace

void update_names(Store& store, const std::string& uid, const std::string& f, const std::string& m,
                  const std::string& l) {
    store.db().exec(
        std::string("UPDATE user_credentials SET fname = ?, mname = ?, lname = ?, fullname = ?") +
            by_uid,
        {f, m, l, account::full_name(f, m, l), uid});
    account::sync_user_file(store, uid, user_actor(uid));
}

void set_password(Store& store, const std::string& uid, const std::string& hash) {
    store.db().exec(std::string("UPDATE user_credentials SET password = ?") + by_uid, {hash, uid});
}

void set_picture(Store& store, const std::string& uid, const std::string& file_name) {
    store.db().exec(std::string("UPDATE user_credentials SET profilepicture = ?") + by_uid,
                    {file_name, uid});
    account::sync_user_file(store, uid, user_actor(uid));
}

void set_reset_token(Store& store, const std::string& uid, const std::string& token) {
    store.db().exec(std::string("UPDATE user_credentials SET password_reset_token = ?, "
                                "password_reset_expiry = DATE_ADD(NOW(), INTERVAL 1 HOUR)") +
                        by_uid,
                    {sha256_hex(token), uid});
}

std::optional<std::string> uid_for_reset_token(Store& store, const std::string& token) {
    const auto row = store.db().query_one(
        "SELECT CAST(uid AS CHAR) FROM user_credentials WHERE password_reset_token = ? "
        "AND password_reset_expiry > NOW() LIMIT 1",
        {sha256_hex(token)});
    if (!row) return std::nullopt;
    return row->str(0);
}

void clear_reset_token(Store& store, const std::string& uid) {
    store.db().exec(std::string("UPDATE user_credentials SET password_reset_token = NULL, "
                                "password_reset_expiry = NULL") +
                        by_uid,
                    {uid});
}

std::optional<std::string> verify_email(Store& store, const std::string& token) {
    // The token is set once, at sign-up (creationtime): it works within
    // verify_link_ttl_hours of it.
    const auto row = store.db().query_one(
        "SELECT CAST(uid AS CHAR) FROM user_credentials WHERE currboundtoken = ? "
        "AND creationtime > DATE_SUB(NOW(), INTERVAL ? HOUR) LIMIT 1",
        {token, static_cast<long long>(store.config().verify_link_ttl_hours)});
    if (!row) return std::nullopt;
    const auto uid = row->str(0);
    mark_email_verified(store, uid);
    return uid;
}

void mark_email_verified(Store& store, const std::string& uid) {
    // '0' is the column's default, what PHP rows without a token hold; no
    // link matches it (a token is 16 to 64 hex digits), so the link is
    // single-use.
    store.db().exec(
        std::string("UPDATE user_credentials SET emailverified = 1, currboundtoken = '0'") + by_uid,
        {uid});
    account::sync_user_file(store, uid, user_actor(uid));
}

std::string create_api_token(Store& store, const std::string& uid, const std::string& name) {
    const auto token = random_hex(32);
    store.db().exec(
        "INSERT INTO ems_api_tokens (token_hash, uid, name, created_at) VALUES (?, ?, ?, ?)",
        {sha256_hex(token), uid, name, static_cast<long long>(std::time(nullptr))});
    return token;
}

std::vector<ApiToken> api_tokens(Store& store, const std::string& uid) {
    const long long ttl = 86400LL * store.config().api_token_ttl_days;
    const auto now = static_cast<long long>(std::time(nullptr));
    store.db().exec("DELETE FROM ems_api_tokens WHERE uid = ? AND created_at <= ?",
                    {uid, now - ttl});
    std::vector<ApiToken> out;
    for (const auto& r : store.db().query("SELECT LEFT(token_hash, 16) AS id, name, created_at, "
                                          "last_used FROM ems_api_tokens WHERE uid = ? "
                                          "ORDER BY created_at",
                                          {uid}))
        out.push_back({r.str("id"), r.str("name"), format_time(r.num("created_at")),
                       format_time(r.num("last_used")), format_time(r.num("created_at") + ttl)});
    return out;
}

bool revoke_api_token_value(Store& store, const std::string& token) {
    return store.db().exec("DELETE FROM ems_api_tokens WHERE token_hash = ?", {sha256_hex(token)}) >
           0;
}

void revoke_all_api_tokens(Store& store, const std::string& uid) {
    store.db().exec("DELETE FROM ems_api_tokens WHERE uid = ?", {uid});
}

bool revoke_api_token(Store& store, const std::string& uid, const std::string& id) {
    if (id.size() != 16) return false;
    return store.db().exec("DELETE FROM ems_api_tokens WHERE uid = ? AND LEFT(token_hash, 16) = ?",
                           {uid, id}) > 0;
}

}  // namespace ems::profile
