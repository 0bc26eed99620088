// The error and access logs: one entry, one line, whatever it quotes
// (issue 12, low: log forging with %0a).
#define BOOST_TEST_DYN_LINK
#include "core/log.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <vector>

BOOST_AUTO_TEST_SUITE(log_lines)

BOOST_AUTO_TEST_CASE(escape_controls_escapes_every_control_character_and_keeps_the_rest) {
    using ems::log::escape_controls;
    BOOST_TEST(escape_controls("a\nb") == "a\\nb");
    BOOST_TEST(escape_controls("a\r\n2026-01-01 [error] forged") ==
               "a\\r\\n2026-01-01 [error] forged");
    BOOST_TEST(escape_controls("tab\there") == "tab\\there");
    BOOST_TEST(escape_controls(std::string("nul\0x", 5)) == "nul\\x00x");
    BOOST_TEST(escape_controls("\x1b[2J\x7f") == "\\x1b[2J\\x7f");
    BOOST_TEST(escape_controls("caf\xC3\xA9 \"GET /x\" 200") == "caf\xC3\xA9 \"GET /x\" 200");
}

BOOST_AUTO_TEST_CASE(a_logged_line_with_newlines_stays_one_line) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ems-log-test-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    ems::log::open(dir.string());
    ems::log::error("GET /auth/x%0a: 404\n2026-01-01T00:00:00Z [error] pid=1 forged");
    ems::log::access("127.0.0.1 \"GET /a\r\nforged\" 404");
    for (const char* name : {"error.log", "access.log"}) {
        std::ifstream in(dir / name);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        BOOST_TEST_CONTEXT(name) {
            BOOST_REQUIRE(lines.size() == 1u);
            BOOST_TEST(lines[0].find("forged") != std::string::npos);
            BOOST_TEST(lines[0].find("\\n") != std::string::npos);
        }
    }
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
