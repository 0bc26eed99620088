#include "models/user.hpp"

#include <openssl/evp.h>

#include <ctime>

namespace ems {
namespace {

const char* const user_columns =
    "SELECT CAST(uid AS CHAR), fname, mname, lname, fullname, email, password, profilepicture, "
    "creationtime, attendedevents, emailverified FROM user_credentials ";

User to_user(const db::Row& r) {
    User u;
    u.uid = r.str(0);
    u.fname = r.str(1);
    u.mname = r.str(2);
    u.lname = r.str(3);
    u.fullname = r.str(4);
    u.email = r.str(5);
    u.password_hash = r.str(6);
    u.profilepicture = r.str(7);
    u.creationtime = r.str(8);
    u.attendedevents = r.str(9);
    u.emailverified = r.num(10) != 0;
    return u;
}

}  // namespace

std::optional<User> find_user(db::Db& db, const std::string& uid) {
    // uid is compared as a string: on a GUID table an integer bind would be
    // compared numerically and "5" would match "5b09b777-...".
    auto row = db.query_one(std::string(user_columns) + "WHERE uid = CAST(? AS CHAR)", {uid});
    if (!row) return std::nullopt;
    auto u = to_user(*row);
    if (u.uid != uid) return std::nullopt;
    return u;
}

std::optional<User> find_user_by_email(db::Db& db, const std::string& email) {
    auto row = db.query_one(std::string(user_columns) + "WHERE email = ? LIMIT 1", {email});
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

std::optional<User> find_user_by_api_token(db::Db& db, const std::string& token) {
    if (token.size() != 64) return std::nullopt;
    const auto hash = sha256_hex(token);
    auto row = db.query_one(
        "SELECT uid, COALESCE(last_used, 0) FROM ems_api_tokens WHERE token_hash = ?", {hash});
    if (!row) return std::nullopt;
    // Minute precision is enough for "last used": no write on every call.
    const auto now = static_cast<long long>(std::time(nullptr));
    if (row->num(1) < now - 60)
        db.exec("UPDATE ems_api_tokens SET last_used = ? WHERE token_hash = ?", {now, hash});
    return find_user(db, row->str(0));
}

}  // namespace ems
