#include "models/user.hpp"

#include <openssl/evp.h>

#include <ctime>

namespace ems {
namespace {

// clang-format off
const db::RowMapping<User> user_row{
    {"CAST(uid AS CHAR)", "uid", &User::uid}, {"fname", &User::fname},
    {"mname", &User::mname}, {"lname", &User::lname}, {"fullname", &User::fullname},
    {"email", &User::email}, {"password", &User::password_hash},
    {"profilepicture", &User::profilepicture}, {"creationtime", &User::creationtime},
    {"attendedevents", &User::attendedevents}, {"emailverified", &User::emailverified}};
// clang-format on
const std::string user_columns = "SELECT " + user_row.select_list() + " FROM user_credentials ";

User to_user(const db::Row& r) {
    return user_row.read(r);
}

}  // namespace

std::optional<User> find_user(db::Db& db, const std::string& uid) {
    // uid is compared as a string: on a GUID table an integer bind would be
    // compared numerically and "5" would match "5b09b777-...".
    auto row = db.query_one(user_columns + "WHERE uid = CAST(? AS CHAR)", {uid});
    if (!row) return std::nullopt;
    auto u = to_user(*row);
    if (u.uid != uid) return std::nullopt;
    return u;
}

std::optional<SessionUser> find_session_user(db::Db& db, const std::string& session_id) {
    // One round trip: the session by its key and its user by theirs (both
    // const lookups once the derived table is merged; its renamed columns
    // keep user_row's unqualified `uid` unambiguous).
    static const std::string sql =
        "SELECT s_uid, s_csrf, s_created, s_seen, " + user_row.select_list() +
        " FROM (SELECT uid AS s_uid, csrf_token AS s_csrf, created_at AS s_created, "
        "last_seen AS s_seen FROM ems_sessions WHERE id = ?) s "
        "LEFT JOIN user_credentials ON uid = s_uid";
    auto row = db.query_one(sql, {session_id});
    if (!row) return std::nullopt;
    SessionUser out{.uid = row->str("s_uid"),
                    .csrf_token = row->str("s_csrf"),
                    .created_at = row->num("s_created"),
                    .last_seen = row->num("s_seen"),
                    .user = std::nullopt};
    // As find_user: the string compare is the real test.
    if (!row->is_null("uid")) {
        auto u = to_user(*row);
        if (u.uid == out.uid) out.user = std::move(u);
    }
    return out;
}

std::vector<User> all_users(db::Db& db) {
    std::vector<User> out;
    for (const auto& r : db.query(user_columns + "ORDER BY uid")) out.push_back(to_user(r));
    return out;
}

std::optional<User> find_user_by_email(db::Db& db, const std::string& email) {
    auto row = db.query_one(user_columns + "WHERE email = ? LIMIT 1", {email});
    if (!row) return std::nullopt;
    return to_user(*row);
}

std::string sha256_hex(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 15]);
    }
    return out;
}

std::optional<User> find_user_by_api_token(db::Db& db, const std::string& token,
                                           long long max_age) {
    if (token.size() != 64) return std::nullopt;
    const auto hash = sha256_hex(token);
    const auto now = static_cast<long long>(std::time(nullptr));
    // Expiry is computed from created_at, so a shorter api_token_ttl_days
    // also ends the older tokens at once.
    auto row = db.query_one(
        "SELECT uid, COALESCE(last_used, 0) AS last_used FROM ems_api_tokens "
        "WHERE token_hash = ? AND created_at > ?",
        {hash, now - max_age});
    if (!row) return std::nullopt;
    // Minute precision is enough for "last used": no write on every call.
    if (row->num("last_used") < now - 60)
        db.exec("UPDATE ems_api_tokens SET last_used = ? WHERE token_hash = ?", {now, hash});
    return find_user(db, row->str("uid"));
}

}  // namespace ems
