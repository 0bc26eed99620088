// The error and access logs: one entry, one line, whatever it quotes
// (issue 12, low: log forging with %0a).
#define BOOST_TEST_DYN_LINK
#include "core/log.hpp"

#include <json/json.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(log_lines)

namespace {

std::vector<std::string> lines_of(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A fresh folder under /tmp with the logs opened in it; removed at the end.
struct LogDir {
    std::filesystem::path dir;
    explicit LogDir(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))) {
        std::filesystem::remove_all(dir);
        ems::log::open(dir.string());
    }
    ~LogDir() { std::filesystem::remove_all(dir); }
};

Json::Value parsed(const std::string& line) {
    Json::Value v;
    std::string err;
    const std::unique_ptr<Json::CharReader> reader(Json::CharReaderBuilder().newCharReader());
    BOOST_REQUIRE_MESSAGE(reader->parse(line.data(), line.data() + line.size(), &v, &err),
                          line + ": " + err);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_string_escapes_quotes_controls_and_bytes_that_are_not_utf8) {
    using ems::log::json_string;
    BOOST_TEST(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    BOOST_TEST(json_string("a\r\n\tb") == "\"a\\r\\n\\tb\"");
    BOOST_TEST(json_string(std::string("\0\x1b\x7f", 3)) == "\"\\u0000\\u001b\\u007f\"");
    BOOST_TEST(json_string("caf\xC3\xA9") == "\"caf\xC3\xA9\"");  // UTF-8 kept
    BOOST_TEST(json_string("caf\xE9") == "\"caf\\u00e9\"");       // Latin-1 byte escaped
}

BOOST_AUTO_TEST_CASE(a_logged_line_with_newlines_stays_one_json_line) {
    const LogDir logs("ems-log-test");
    const auto& dir = logs.dir;
    ems::log::error("GET /auth/x%0a: 404\n2026-01-01T00:00:00Z [error] pid=1 forged");
    ems::log::access(ems::log::Line()
                         .str("path", "/a\r\nforged\xff")
                         .num("status", 404LL)
                         .num("duration_ms", 1.25)
                         .text());
    const auto errors = lines_of(dir / "error.log");
    BOOST_REQUIRE(errors.size() == 1u);
    const auto e = parsed(errors[0]);
    BOOST_TEST(e["level"].asString() == "error");
    BOOST_TEST(e["pid"].asInt() == getpid());
    BOOST_TEST(e["message"].asString() ==
               "GET /auth/x%0a: 404\n2026-01-01T00:00:00Z [error] pid=1 forged");
    const auto access = lines_of(dir / "access.log");
    BOOST_REQUIRE(access.size() == 1u);
    const auto a = parsed(access[0]);
    BOOST_TEST(a["path"].asString() == "/a\r\nforged\u00ff");
    BOOST_TEST(a["status"].asInt() == 404);
    BOOST_TEST(a["duration_ms"].asDouble() == 1.25);
}

BOOST_AUTO_TEST_CASE(a_reopen_request_continues_in_a_new_file_after_a_rename) {
    const LogDir logs("ems-log-rotate");
    const auto& dir = logs.dir;
    ems::log::info("before");
    std::filesystem::rename(dir / "error.log", dir / "error.log.1");
    ems::log::info("still the old file");  // no reopen asked for yet
    ems::log::request_reopen();
    ems::log::info("after");
    const auto old_lines = lines_of(dir / "error.log.1");
    const auto new_lines = lines_of(dir / "error.log");
    BOOST_TEST(old_lines.size() == 2u);
    BOOST_REQUIRE(new_lines.size() == 1u);
    BOOST_TEST(parsed(new_lines[0])["message"].asString() == "after");
    BOOST_TEST(std::filesystem::exists(dir / "access.log"));
}

BOOST_AUTO_TEST_SUITE_END()
