// Configuration: file keys, environment overrides, clear errors.
#define BOOST_TEST_DYN_LINK
#include "core/config.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

std::string write_config(const std::string& text) {
    const auto p = std::filesystem::temp_directory_path() /
                   ("ems-config-test-" + std::to_string(getpid()) + ".conf");
    std::ofstream(p) << text;
    return p.string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_suit_make_run) {
    const auto c = ems::Config::load("");
    BOOST_TEST(c.listen == "unix:var/run/ems.sock");
    BOOST_TEST(c.session_idle_timeout == 1800);
    BOOST_TEST(c.session_absolute_timeout == 43200);
    BOOST_TEST(!c.enable_test_routes);
}

BOOST_AUTO_TEST_CASE(file_values_and_environment_overrides) {
    const auto path = write_config(
        "# comment\nworkers = 3\ndb_name = php_db\nrequire_email_verification = yes\n");
    setenv("EMS_DB_NAME", "from_env", 1);
    const auto c = ems::Config::load(path);
    unsetenv("EMS_DB_NAME");
    BOOST_TEST(c.workers == 3);
    BOOST_TEST(c.db_name == "from_env");
    BOOST_TEST(c.require_email_verification);
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(backup_key_from_file_and_environment) {
    BOOST_TEST(ems::Config::load("").backup_key.empty());
    const auto path = write_config("backup_key = /etc/ems/backup.key\n");
    BOOST_TEST(ems::Config::load(path).backup_key == "/etc/ems/backup.key");
    setenv("EMS_BACKUP_KEY", "/run/other.key", 1);
    const auto c = ems::Config::load(path);
    unsetenv("EMS_BACKUP_KEY");
    BOOST_TEST(c.backup_key == "/run/other.key");
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_bad_values_name_the_key) {
    const auto bad_key = write_config("wokers = 3\n");
    try {
        ems::Config::load(bad_key);
        BOOST_FAIL("no error");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("wokers") != std::string::npos);
    }
    const auto bad_value = write_config("workers = many\n");
    BOOST_CHECK_THROW(ems::Config::load(bad_value), std::runtime_error);
    const auto weak = write_config("password_cost = 4\n");
    BOOST_CHECK_THROW(ems::Config::load(weak), std::runtime_error);
    std::filesystem::remove(bad_key);
}

BOOST_AUTO_TEST_CASE(numbers_outside_their_range_are_refused_with_the_range) {
    ems::Config c;
    auto why = [&](const char* key, const char* value) {
        try {
            c.set(key, value);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    BOOST_TEST(why("password_cost", "9") ==
               "config: password_cost must be between 10 and 16, got 9");
    BOOST_TEST(why("db_read_timeout", "3601") ==
               "config: db_read_timeout must be between 1 and 3600, got 3601");
    BOOST_TEST(why("mail_max_attempts", "0") ==
               "config: mail_max_attempts must be at least 1, got 0");
    BOOST_TEST(why("body_limit", "1023") == "config: body_limit must be at least 1024, got 1023");
    BOOST_TEST(why("mail_retry_first", "5") == "accepted");
    BOOST_TEST(c.mail_retry_first == 5);
}

BOOST_AUTO_TEST_SUITE_END()
