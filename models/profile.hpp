// Profile writes on user_credentials: names, password, picture, reset and
// verification tokens, API tokens. Every change re-syncs the user file.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/store.hpp"

namespace ems::profile {

void update_names(Store& store, const std::string& uid, const std::string& f, const std::string& m,
                  const std::string& l);
void set_password(Store& store, const std::string& uid, const std::string& hash);
void set_picture(Store& store, const std::string& uid, const std::string& file_name);

// Stores SHA-256(token) with a one-hour expiry; returns nothing (mail sends the token).
void set_reset_token(Store& store, const std::string& uid, const std::string& token);
// The uid whose unexpired reset token is `token`: only its SHA-256 is
// stored, and the stored value itself is never accepted as a token (a
// database reader could otherwise reset any password).
std::optional<std::string> uid_for_reset_token(Store& store, const std::string& token);
void clear_reset_token(Store& store, const std::string& uid);
// Sets emailverified=1 for the account whose currboundtoken is `token`, if
// its sign-up was less than verify_link_ttl_hours ago, and spends the token.
std::optional<std::string> verify_email(Store& store, const std::string& token);
// emailverified=1 and no pending link (the link, or a completed reset,
// proved the mailbox).
void mark_email_verified(Store& store, const std::string& uid);

struct ApiToken {
    std::string id, name, created_at, last_used, expires_at;
};
// Returns the new token (shown once); only its hash is stored.
std::string create_api_token(Store& store, const std::string& uid, const std::string& name);
// The account's unexpired tokens (api_token_ttl_days); expired ones are deleted.
std::vector<ApiToken> api_tokens(Store& store, const std::string& uid);
bool revoke_api_token(Store& store, const std::string& uid, const std::string& id);
// The token itself (an API sign-out with it); false when unknown.
bool revoke_api_token_value(Store& store, const std::string& token);
// Every token of the account: its password changed or was reset.
void revoke_all_api_tokens(Store& store, const std::string& uid);

}  // namespace ems::profile
