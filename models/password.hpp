// Password hashing with libcrypt (libxcrypt): bcrypt $2y$, the scheme PHP's
// password_hash(PASSWORD_DEFAULT) writes and password_verify accepts.
#pragma once
#include <string>

namespace ems::password {

// A new $2y$ hash at `cost` (10..16) with a salt from the OS.
std::string hash(const std::string& plain, int cost);
// Constant-time check of plain against a PHP- or ems-written hash.
bool verify(const std::string& plain, const std::string& stored);
// True when stored is not $2y$ at `cost` or more: rehash at next sign-in.
bool needs_rehash(const std::string& stored, int cost);

}  // namespace ems::password
