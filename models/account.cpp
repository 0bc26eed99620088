#include "models/account.hpp"

#include <uuid/uuid.h>

#include <algorithm>
#include <ctime>

#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "models/idempotency.hpp"
#include "models/user.hpp"
#include "storage/php_json.hpp"

namespace ems::account {
namespace {

long long now() {
    return static_cast<long long>(std::time(nullptr));
}

}  // namespace

std::string full_name(const std::string& f, const std::string& m, const std::string& l) {
    return m.empty() ? f + " " + l : f + " " + m + " " + l;
}

// libuuid's random (version 4) UUID, lower case as the PHP app's script wrote them.
std::string new_guid() {
    uuid_t id;
    ::uuid_generate_random(id);
    char text[37];
    ::uuid_unparse_lower(id, text);
    return text;
}

bool email_taken(db::Db& db, const std::string& email) {
    return db.query_one("SELECT 1 FROM user_credentials WHERE email = ? LIMIT 1", {email})
        .has_value();
}

namespace {

constexpr const char* signup_kind = "signup";

std::string insert_user(Store& store, const NewUser& u) {
    auto& db = store.db();
    const auto fullname = full_name(u.fname, u.mname, u.lname);
    if (store.uid_kind() == schema::UidKind::guid) {
        const auto uid = new_guid();
        db.exec(
            "INSERT INTO user_credentials (uid, fname, mname, lname, fullname, email, password, "
            "currboundtoken, emailverified, attendedevents, profilepicture) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '[]', 'default.png')",
            {uid, u.fname, u.mname, u.lname, fullname, u.email, u.password_hash, u.verify_token});
        return uid;
    }
    db.exec(
        "INSERT INTO user_credentials (fname, mname, lname, fullname, email, password, "
        "currboundtoken, emailverified, attendedevents, profilepicture) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, '[]', 'default.png')",
        {u.fname, u.mname, u.lname, fullname, u.email, u.password_hash, u.verify_token});
    return std::to_string(db.last_insert_id());
}

SignUpResult create_in_transaction(Store& store, const NewUser& u, const std::string& token_id) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!token_id.empty())
        if (const auto first = idempotency::claim(db, token_id, "", signup_kind))
            return {SignUp::replayed, *first};
    if (email_taken(db, u.email)) return {SignUp::email_taken, {}};
    const auto uid = insert_user(store, u);
    try {
        db.exec("INSERT INTO ems_user_emails (email, uid) VALUES (?, ?)", {u.email, uid});
    } catch (const db::DbError& e) {
        if (!e.duplicate_key()) throw;
        return {SignUp::email_taken, {}};  // the guard rolls the row back
    }
    if (!token_id.empty()) idempotency::record(db, token_id, uid);
    tx.commit();
    return {SignUp::created, uid};
}

// After the connection was lost at COMMIT: the locking read waits for a
// server thread still finishing that transaction. Ours if the e-mail's row
// holds the hash generated for this request.
std::optional<std::string> committed_uid(Store& store, const NewUser& u) {
    auto& db = store.db();
    db::Transaction tx(db);
    const auto owner = db.query_one(
        "SELECT uid FROM ems_user_emails WHERE email = ? LOCK IN SHARE MODE", {u.email});
    std::optional<std::string> uid;
    if (owner) {
        const auto row = db.query_one(
            "SELECT password FROM user_credentials WHERE uid = CAST(? AS CHAR)", {owner->str(0)});
        if (row && row->str(0) == u.password_hash) uid = owner->str(0);
    }
    tx.commit();
    return uid;
}

}  // namespace

SignUpResult create_user(Store& store, const NewUser& u, const std::string& token_id) {
    SignUpResult r;
    try {
        r = create_in_transaction(store, u, token_id);
    } catch (const db::CommitUnknown&) {
        const auto uid = committed_uid(store, u);
        log::info(std::string("sign-up: connection lost at COMMIT; read back: ") +
                  (uid ? "committed, uid " + *uid : "rolled back"));
        if (!uid) throw;  // not committed: the error page, and a retry creates it
        r = {SignUp::created, *uid};
    }
    if (r.outcome == SignUp::created) {
        idempotency::purge_sometimes(store.db());
        sync_user_file(store, r.uid, user_actor(r.uid));
    }
    return r;
}

void sync_user_file(Store& store, const std::string& uid, const std::string& actor,
                    const std::string& created_at) {
    const auto user = find_user(store.db(), uid);
    if (!user) return;
    // The PHP app's keys, order and types (User::syncUserToFile).
    storage::php_json::Object v{{"uid", schema::uid_json(store.uid_kind(), uid)},
                                {"fname", user->fname},
                                {"mname", user->mname},
                                {"lname", user->lname},
                                {"email", user->email},
                                {"profilepicture", user->profilepicture},
                                {"emailverified", user->emailverified ? 1 : 0},
                                {"last_updated", time::db_datetime(time::now())}};
    auto& files = store.files();
    if (!files.get_user_data(uid))
        v.add("created_at", created_at.empty() ? time::db_datetime(time::now()) : created_at);
    files.save_user_data(uid, v, actor);
}

namespace {

// How long a pair's failures are remembered: the delay grows over a day.
long long pair_memory(const Config& c) {
    return std::max(86400LL, 2LL * c.login_delay_max);
}

}  // namespace

LoginWait login_wait(Store& store, const std::string& email, const std::string& ip) {
    const auto& c = store.config();
    auto& db = store.db();
    const long long t = now();
    // The address: its login_address_max-th newest failure in the window.
    const auto nth = db.query_one(
        "SELECT attempted_at FROM ems_login_attempts WHERE ip = ? AND attempted_at > ? "
        "ORDER BY attempted_at DESC LIMIT 1 OFFSET ?",
        {ip, t - c.login_throttle_window, static_cast<long long>(c.login_address_max - 1)});
    if (nth)
        return {static_cast<int>(std::max(1LL, nth->num(0) + c.login_throttle_window - t)), true};
    const auto pair = db.query_one(
        "SELECT COUNT(*), COALESCE(MAX(attempted_at), 0) FROM ems_login_attempts "
        "WHERE email = ? AND ip = ? AND attempted_at > ?",
        {email.substr(0, 255), ip, t - pair_memory(c)});
    const long long n = pair ? pair->num(0) : 0;
    if (n < c.login_throttle_max) return {};
    const long long delay = std::min<long long>(
        c.login_delay_max, 60LL << std::min<long long>(n - c.login_throttle_max, 20));
    const long long left = pair->num(1) + delay - t;
    return left > 0 ? LoginWait{static_cast<int>(left), false} : LoginWait{};
}

void record_failure(Store& store, const std::string& email, const std::string& ip) {
    const auto& c = store.config();
    store.db().exec("INSERT INTO ems_login_attempts (email, ip, attempted_at) VALUES (?, ?, ?)",
                    {email.substr(0, 255), ip, now()});
    if (one_in(20))
        store.db().exec("DELETE FROM ems_login_attempts WHERE attempted_at < ?",
                        {now() - std::max(pair_memory(c), 2LL * c.login_throttle_window)});
}

void clear_pair_failures(Store& store, const std::string& email, const std::string& ip) {
    store.db().exec("DELETE FROM ems_login_attempts WHERE email = ? AND ip = ?",
                    {email.substr(0, 255), ip});
}

void clear_failures(Store& store, const std::string& email) {
    store.db().exec("DELETE FROM ems_login_attempts WHERE email = ?", {email.substr(0, 255)});
}

}  // namespace ems::account
