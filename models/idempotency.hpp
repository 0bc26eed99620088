// Idempotency tokens: a retried or double-submitted create returns the
// first result instead of creating again. The create form and the sign-up
// form carry a hidden form_token (fresh on each render); API clients send
// an Idempotency-Key header. Stored in ems_idempotency, keyed by a SHA-256
// of kind, uid and the token, so two users' keys never meet.
#pragma once
#include <optional>
#include <string>

#include "models/db.hpp"

namespace ems::idempotency {

// 128 bits from the OS RNG, 32 lower-case hex characters.
std::string new_form_token();
bool valid_form_token(const std::string& token);
// An Idempotency-Key header: 1 to 128 characters of [A-Za-z0-9._:-].
bool valid_api_key(const std::string& key);
// The stored id of a token; "" when token is "" (the request carried none).
std::string token_id(const std::string& kind, const std::string& uid, const std::string& token);

// Inside a transaction, before creating anything: records the token, or,
// when it was used already, returns the first result (waiting for a
// request still running with the same token). The caller then rolls back.
std::optional<std::string> claim(db::Db& db, const std::string& id, const std::string& uid,
                                 const std::string& kind);
// In the same transaction, once the result is known ("event:12", a uid).
void record(db::Db& db, const std::string& id, const std::string& result);
// The recorded result, read with a locking read (so a transaction still
// finishing elsewhere is waited for); nullopt when the token is unknown.
std::optional<std::string> find(db::Db& db, const std::string& id);
// Now and then (1 call in 64), outside any transaction: deletes tokens
// older than 24 hours, a bounded batch. Errors are ignored.
void purge_sometimes(db::Db& db);

}  // namespace ems::idempotency
