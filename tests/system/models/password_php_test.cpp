// Passwords against php-cli: PHP's own password_verify accepts the hashes
// ems writes (php-cli is installed by scripts/install-deps.sh).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "models/password.hpp"

namespace {

// Runs PHP's password_verify (php-cli is installed by scripts/install-deps.sh).
bool php_verify(const std::string& plain, const std::string& hash) {
    const std::string cmd =
        "php -r 'exit(password_verify(base64_decode($argv[1]), $argv[2]) ? 0 : 1);' ";
    auto b64 = [](const std::string& s) {
        static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string o;
        unsigned val = 0;
        int bits = -6;
        for (unsigned char c : s) {
            val = (val << 8) + c;
            bits += 8;
            while (bits >= 0) {
                o.push_back(t[(val >> bits) & 0x3F]);
                bits -= 6;
            }
        }
        if (bits > -6) o.push_back(t[((val << 8) >> (bits + 8)) & 0x3F]);
        while (o.size() % 4) o.push_back('=');
        return o;
    };
    return std::system((cmd + b64(plain) + " '" + hash + "'").c_str()) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password_php)

BOOST_AUTO_TEST_CASE(new_hashes_are_2y_at_the_cost_and_php_accepts_them) {
    for (const std::string plain :
         {"Passw0rd!", "pässwörd-日本語-🔑", "p@ss w0rd \"quoted\" \\back"}) {
        const auto h = ems::password::hash(plain, 10);
        BOOST_TEST(h.rfind("$2y$10$", 0) == 0);
        BOOST_TEST(ems::password::verify(plain, h));
        BOOST_TEST(php_verify(plain, h), "php password_verify accepts " << h);
        BOOST_TEST(!php_verify(plain + "!", h));
    }
}

BOOST_AUTO_TEST_SUITE_END()
