// Passwords: the PHP app's bcrypt hashes verify, ems's hashes are $2y$ at
// the configured cost (PHP's own password_verify: tests/system/models/).
#define BOOST_TEST_DYN_LINK
#include "models/password.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

std::string fixtures() {
    const char* env = std::getenv("EMS_FIXTURES");
    return env ? env : "../shared/fixtures/php-v2.0.2";
}

std::vector<std::pair<std::string, std::string>> php_hashes() {
    std::ifstream in(fixtures() + "/password-hashes.tsv");
    std::vector<std::pair<std::string, std::string>> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos) out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(php_written_hashes_verify_and_wrong_passwords_do_not) {
    const auto hashes = php_hashes();
    BOOST_REQUIRE_EQUAL(hashes.size(), 5u);
    for (const auto& [plain, hash] : hashes) {
        BOOST_TEST(ems::password::verify(plain, hash), plain);
        if (plain.size() < 72) BOOST_TEST(!ems::password::verify(plain + "x", hash));
    }
}

BOOST_AUTO_TEST_CASE(bcrypt_uses_the_first_72_bytes_as_php_does) {
    const auto hashes = php_hashes();
    BOOST_REQUIRE_EQUAL(hashes.size(), 5u);
    BOOST_TEST(ems::password::verify(std::string(72, 'A'), hashes[4].second));
    BOOST_TEST(!ems::password::verify(std::string(71, 'A'), hashes[4].second));
}

BOOST_AUTO_TEST_CASE(new_hashes_are_2y_at_the_cost) {
    for (const std::string plain : {"Passw0rd!", "pässwörd-日本語-🔑"}) {
        const auto h = ems::password::hash(plain, 10);
        BOOST_TEST(h.rfind("$2y$10$", 0) == 0);
        BOOST_TEST(ems::password::verify(plain, h));
        BOOST_TEST(!ems::password::verify(plain + "!", h));
    }
}

BOOST_AUTO_TEST_CASE(needs_rehash_when_weaker_than_the_configured_cost) {
    BOOST_TEST(ems::password::needs_rehash("$2y$10$abcdefghijklmnopqrstuv", 12));
    BOOST_TEST(!ems::password::needs_rehash("$2y$12$abcdefghijklmnopqrstuv", 12));
    BOOST_TEST(ems::password::needs_rehash("$2a$12$abcdefghijklmnopqrstuv", 12));
    BOOST_TEST(ems::password::needs_rehash("plain", 10));
}

BOOST_AUTO_TEST_CASE(malformed_hashes_and_nul_bytes_never_verify) {
    BOOST_TEST(!ems::password::verify("x", ""));
    BOOST_TEST(!ems::password::verify("x", "*0"));
    BOOST_TEST(!ems::password::verify(std::string("a\0b", 3), ems::password::hash("a", 10)));
}

BOOST_AUTO_TEST_SUITE_END()
