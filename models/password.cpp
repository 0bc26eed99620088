#include "models/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace ems::password {

std::string hash(const std::string& plain, int cost) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt))
        throw std::runtime_error("crypt_gensalt_rn failed");
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(plain.c_str(), salt, data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') throw std::runtime_error("crypt_rn failed");
    return out;
}

bool verify(const std::string& plain, const std::string& stored) {
    if (stored.size() < 20 || stored[0] != '$') return false;
    // A NUL inside the password would be cut by crypt(); refuse instead.
    if (plain.find('\0') != std::string::npos) return false;
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(plain.c_str(), stored.c_str(), data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') return false;
    const auto len = std::strlen(out);
    return len == stored.size() && CRYPTO_memcmp(out, stored.data(), len) == 0;
}

bool needs_rehash(const std::string& stored, int cost) {
    if (stored.rfind("$2y$", 0) != 0 || stored.size() < 7) return true;
    return std::atoi(stored.substr(4, 2).c_str()) < cost;
}

}  // namespace ems::password
