#include "models/idempotency.hpp"

#include <ctime>

#include "core/text.hpp"
#include "models/user.hpp"

namespace ems::idempotency {
namespace {

long long now() {
    return static_cast<long long>(std::time(nullptr));
}

constexpr long long keep_seconds = 24 * 3600;

}  // namespace

std::string new_form_token() {
    return random_hex(16);
}

bool valid_form_token(const std::string& t) {
    return t.size() == 32 && t.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool valid_api_key(const std::string& k) {
    static const char* const allowed =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";
    return !k.empty() && k.size() <= 128 && k.find_first_not_of(allowed) == std::string::npos;
}

std::string token_id(const std::string& kind, const std::string& uid, const std::string& token) {
    if (token.empty()) return {};
    return sha256_hex(kind + "\n" + uid + "\n" + token);
}

std::optional<std::string> claim(db::Db& db, const std::string& id, const std::string& uid,
                                 const std::string& kind) {
    try {
        // A second request with the same token waits here on the first
        // one's uncommitted row, then gets 1062 once it commits.
        db.exec(
            "INSERT INTO ems_idempotency (token, uid, kind, result, created_at) VALUES (?, ?, ?, "
            "NULL, ?)",
            {id, uid.empty() ? db::Param(nullptr) : db::Param(uid), kind, now()});
        return std::nullopt;
    } catch (const db::DbError& e) {
        if (!e.duplicate_key()) throw;
    }
    return find(db, id).value_or(std::string());
}

void record(db::Db& db, const std::string& id, const std::string& result) {
    db.exec("UPDATE ems_idempotency SET result = ? WHERE token = ?", {result, id});
}

std::optional<std::string> find(db::Db& db, const std::string& id) {
    const auto row =
        db.query_one("SELECT result FROM ems_idempotency WHERE token = ? LOCK IN SHARE MODE", {id});
    if (!row) return std::nullopt;
    return row->str(0);
}

void purge_sometimes(db::Db& db) {
    if (!one_in(64)) return;
    try {
        db.exec("DELETE FROM ems_idempotency WHERE created_at < ? LIMIT 1000",
                {now() - keep_seconds});
    } catch (const db::DbError&) {
        // Cleanup only; the next purge tries again.
    }
}

}  // namespace ems::idempotency
