// Configuration: file keys, environment overrides, clear errors.
#define BOOST_TEST_DYN_LINK
#include "core/config.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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
    BOOST_TEST(why("listen_mode", "0660") == "accepted");
    BOOST_TEST(c.listen_mode == 0660);
    BOOST_TEST(why("listen_mode", "0999") ==
               "config: listen_mode must be an octal number, got '0999'");
    BOOST_TEST(why("process_priority", "-5") == "accepted");
    BOOST_TEST(c.process_priority == -5);
    BOOST_TEST(why("process_priority", "-20") ==
               "config: process_priority must be between -19 and 20, got -20");
    BOOST_TEST(why("workers", "-1") == "config: workers must be a non-negative number, got '-1'");
    BOOST_TEST(why("mail_retry_first", "5") == "accepted");
    BOOST_TEST(c.mail_retry_first == 5);
}

BOOST_AUTO_TEST_CASE(a_bom_and_crlf_line_ends_read_as_plain_lines) {
    const auto path = write_config("\xEF\xBB\xBFworkers = 3\r\ndb_name = crlf\r\n# note\r\n");
    const auto c = ems::Config::load(path);
    BOOST_TEST(c.workers == 3);
    BOOST_TEST(c.db_name == "crlf");
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(every_problem_is_listed_with_its_line) {
    const auto path =
        write_config("workers = 3\nwokers = 4\nworkers = 5\npassword_cost = 4\nnot a setting\n");
    std::vector<std::string> problems;
    ems::Config::load(path, problems);
    const std::vector<std::string> expected = {
        "config: " + path + ":2: unknown key 'wokers'",
        "config: " + path + ":3: workers is already set on line 1",
        "config: " + path + ":5: expected key = value",
        "config: password_cost must be between 10 and 16, got 4 (" + path + ":4)",
    };
    BOOST_TEST(problems == expected, boost::test_tools::per_element());
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(the_environment_replaces_a_bad_value_in_the_file) {
    const auto path = write_config("db_port =\n");
    setenv("EMS_DB_PORT", "3307", 1);
    std::vector<std::string> problems;
    const auto c = ems::Config::load(path, problems);
    unsetenv("EMS_DB_PORT");
    BOOST_TEST(problems.empty());
    BOOST_TEST(c.db_port == 3307);
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(base_url_needs_a_scheme_and_a_host) {
    for (const char* bad : {"events.example.org", "ftp://events.example.org", "https://",
                            "https://events.example.org/", "https://x.org/a?b=1",
                            "https://x.org/a b", "http://:8080"}) {
        BOOST_TEST_CONTEXT(bad) {
            const auto path = write_config(std::string("base_url = ") + bad + "\n");
            std::vector<std::string> problems;
            ems::Config::load(path, problems);
            BOOST_TEST(problems.size() == 1u);
            std::filesystem::remove(path);
        }
    }
    for (const char* good : {"https://events.example.org", "http://127.0.0.1:8080",
                             "https://example.org/events", "HTTPS://[::1]:8443"}) {
        BOOST_TEST_CONTEXT(good) {
            const auto path = write_config(std::string("base_url = ") + good + "\n");
            std::vector<std::string> problems;
            BOOST_TEST(ems::Config::load(path, problems).base_url == good);
            BOOST_TEST(problems.empty());
            std::filesystem::remove(path);
        }
    }
}

BOOST_AUTO_TEST_CASE(site_identity_keys_default_and_check_their_links) {
    const auto d = ems::Config::load("");
    BOOST_TEST(d.site_name == "Event Management System");
    BOOST_TEST(d.site_logo_url.empty());
    BOOST_TEST(d.privacy_url.empty());
    BOOST_TEST(d.imprint_url.empty());
    const struct {
        const char* line;
        bool ok;
    } cases[] = {
        {"site_name = Städtische Kurse & Events", true},
        {"site_name = ", false},
        {"site_logo_url = /static/logo.svg", true},
        {"site_logo_url = https://cdn.example.org/logo.png", false},  // the CSP allows 'self'
        {"site_logo_url = //evil.example/logo.png", false},
        {"privacy_url = /privacy", true},
        {"privacy_url = https://example.org/privacy", true},
        {"privacy_url = HTTP://example.org/privacy", true},
        {"privacy_url = javascript:alert(1)", false},
        {"imprint_url = https://example.org/imprint\" onmouseover=\"x", false},
        {"imprint_url = /\\evil.example", false},
        {"imprint_url = data:text/html,x", false},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.line) {
            const auto path = write_config(std::string(c.line) + "\n");
            std::vector<std::string> problems;
            ems::Config::load(path, problems);
            BOOST_TEST(problems.empty() == c.ok);
            std::filesystem::remove(path);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_loopback_base_url_is_warned_about_outside_development) {
    ems::Config c;
    BOOST_TEST(c.base_url_warning().empty());  // make run: both defaults
    c.listen = "unix:/run/ems/ems.sock";
    BOOST_TEST(c.base_url_warning().find("base_url is still http://127.0.0.1:8080") == 0u);
    c.base_url = "http://127.0.0.1:8291";  // set on purpose (the test stacks)
    BOOST_TEST(c.base_url_warning().empty());
    c.base_url = "https://events.example.org";
    BOOST_TEST(c.base_url_warning().empty());
}

BOOST_AUTO_TEST_SUITE_END()
