// Passwords: the PHP app's bcrypt hashes verify, ems's hashes are $2y$ at
// the configured cost (PHP's own password_verify: tests/system/models/).
#define BOOST_TEST_DYN_LINK
#include "models/password.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/errors.hpp"

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

// Issue 12, medium 5: sign-ups could run a bcrypt each on every worker at
// once. With every slot taken a hash is refused (503), not queued forever.
BOOST_AUTO_TEST_CASE(a_hash_is_refused_while_every_hash_slot_is_taken) {
    ems::password::open_hash_slots(1, 20);
    {
        const ems::password::HashSlot held;
        BOOST_CHECK_THROW(ems::password::hash("pw", 10), ems::ServiceUnavailable);
        BOOST_CHECK_THROW(ems::password::verify("pw", "$2y$10$abcdefghijklmnopqrstuv"),
                          ems::ServiceUnavailable);
    }
    BOOST_TEST(ems::password::verify("pw", ems::password::hash("pw", 10)));
    ems::password::close_hash_slots();
}

// A worker killed while hashing (kill -9) gives its slot back (SEM_UNDO).
BOOST_AUTO_TEST_CASE(the_slot_of_a_killed_process_comes_back) {
    ems::password::open_hash_slots(1, 20);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const ems::password::HashSlot held;
        ::kill(::getpid(), SIGKILL);
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_CHECK_NO_THROW(ems::password::hash("pw", 10));
    ems::password::close_hash_slots();
}

BOOST_AUTO_TEST_SUITE_END()
