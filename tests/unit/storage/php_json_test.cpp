// The PHP JSON writer without traps: objects keep the order they are built
// in (php_json::Object), numbers come out as PHP 8.2's json_encode writes
// them (checked against php-cli value by value), and what PHP refuses to
// encode (NaN, infinities, invalid UTF-8) ems refuses too.
#define BOOST_TEST_DYN_LINK
#include "storage/php_json.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/file_storage.hpp"

namespace fs = std::filesystem;
using ems::storage::encode_php_json;
using ems::storage::InvalidData;
using ems::storage::parse_json;
using ems::storage::php_json::Object;

namespace {

bool php_available() {
    return std::system("php -v >/dev/null 2>&1") == 0;
}

std::string hex_of(const void* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0xf];
    }
    return out;
}

// The bytes of a double as PHP's unpack("E") reads them (big-endian).
std::string double_hex(double d) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
    return buf;
}

// PHP's json_encode(`value`) for each line of `inputs`, in one php-cli run;
// `value` reads the line as $h (hex). "false" stands for json_encode's false.
std::vector<std::string> php_json_encode(const std::string& value,
                                         const std::vector<std::string>& inputs) {
    const fs::path dir = fs::temp_directory_path() / ("ems-php-json-" + std::to_string(getpid()));
    fs::create_directories(dir);
    {
        std::ofstream script(dir / "run.php"), in(dir / "in.txt");
        script << "<?php\nforeach (file($argv[1], FILE_IGNORE_NEW_LINES) as $h) {\n"
               << "    $r = json_encode(" << value << ");\n"
               << "    echo $r === false ? 'false' : $r, \"\\n\";\n}\n";
        for (const auto& line : inputs) in << line << "\n";
    }
    const std::string cmd =
        "php " + (dir / "run.php").string() + " " + (dir / "in.txt").string() + " 2>&1";
    std::vector<std::string> lines;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        std::string line;
        for (int c; (c = std::fgetc(p)) != EOF;) {
            if (c != '\n') {
                line += static_cast<char>(c);
                continue;
            }
            lines.push_back(line);
            line.clear();
        }
        pclose(p);
    }
    fs::remove_all(dir);
    return lines;
}

std::vector<std::string> hex_lines(const std::vector<std::string>& texts) {
    std::vector<std::string> out;
    for (const auto& t : texts) out.push_back(hex_of(t.data(), t.size()));
    return out;
}

std::string ems_double(double d) {
    try {
        return encode_php_json(Json::Value(d), false);
    } catch (const InvalidData&) {
        return "false";
    }
}

// What ems writes for a value it read from `text` (one line, as PHP's
// json_encode without flags); "false" where it refuses, at reading or writing.
std::string ems_reencode(const std::string& text) {
    std::string error;
    const auto v = parse_json(text, &error);
    if (!v) return "false";
    try {
        return encode_php_json(*v, false);
    } catch (const InvalidData&) {
        return "false";
    }
}

// Expected text without php: PHP 8.2, serialize_precision = -1.
struct DoubleCase {
    double value;
    const char* php;
};

const DoubleCase double_cases[] = {
    {2.0, "2"},
    {-2.0, "-2"},
    {0.0, "0"},
    {-0.0, "-0"},
    {0.1, "0.1"},
    {0.5, "0.5"},
    {1.0 / 3, "0.3333333333333333"},
    {2.5e-4, "0.00025"},
    {1e-4, "0.0001"},
    {1e-5, "1.0e-5"},
    {1.5e-7, "1.5e-7"},
    {-1.5e-10, "-1.5e-10"},
    {1e15, "1000000000000000"},
    {1e16, "10000000000000000"},
    {1e17, "1.0e+17"},
    {1e25, "1.0e+25"},
    {123456789012345678.0, "1.2345678901234568e+17"},
    {12345678901234567.0, "12345678901234568"},
    {9007199254740993.0, "9007199254740992"},
    {1e308, "1.0e+308"},
    {DBL_MAX, "1.7976931348623157e+308"},
    {DBL_MIN, "2.2250738585072014e-308"},
    {5e-324, "5.0e-324"},
    {100.0, "100"},
    {76108000.0, "76108000"},
    {0.0007229000000000001, "0.0007229000000000001"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(php_json)

BOOST_AUTO_TEST_CASE(object_keeps_the_order_it_is_built_in) {
    Object entry{{"uid", 7}, {"joined_at", "2026-11-25 16:49:25"}, {"status", "registered"}};
    entry.add("name", "Zoë").add("email", "z@example.test");
    BOOST_TEST(encode_php_json(entry) ==
               "{\n    \"uid\": 7,\n    \"joined_at\": \"2026-11-25 16:49:25\",\n"
               "    \"status\": \"registered\",\n    \"name\": \"Zo\\u00eb\",\n"
               "    \"email\": \"z@example.test\"\n}");
}

BOOST_AUTO_TEST_CASE(nested_objects_keep_their_order_too) {
    const Object doc{{"zeta", 1},
                     {"settings", Object{{"registration_open", true},
                                         {"max_participants", Json::Value()},
                                         {"require_approval", false}}},
                     {"alpha", Json::Value(Json::arrayValue)}};
    BOOST_TEST(encode_php_json(doc, false) ==
               "{\"zeta\":1,\"settings\":{\"registration_open\":true,\"max_participants\":null,"
               "\"require_approval\":false},\"alpha\":[]}");
}

BOOST_AUTO_TEST_CASE(object_refuses_a_key_given_twice) {
    Object o{{"a", 1}};
    BOOST_CHECK_THROW(o.add("a", 2), std::logic_error);
    BOOST_CHECK_THROW((Object{{"b", 1}, {"b", 2}}), std::logic_error);
}

BOOST_AUTO_TEST_CASE(an_empty_object_is_written_as_php_writes_an_empty_object) {
    BOOST_TEST(Object().empty());
    BOOST_TEST(encode_php_json(Object()) == "{}");
}

BOOST_AUTO_TEST_CASE(a_parsed_object_keeps_its_file_order_when_rewritten) {
    const std::string text =
        "{\n    \"z\": 1,\n    \"a\": {\n        \"y\": 2,\n        \"b\": 3\n"
        "    }\n}";
    std::string error;
    const auto v = parse_json(text, &error);
    BOOST_REQUIRE(v);
    BOOST_TEST(encode_php_json(*v) == text);
}

BOOST_AUTO_TEST_CASE(doubles_are_written_as_php_8_2_writes_them) {
    for (const auto& c : double_cases) BOOST_TEST(ems_double(c.value) == c.php, c.php);
}

BOOST_AUTO_TEST_CASE(doubles_match_php_cli_byte_for_byte) {
    if (!php_available()) {
        BOOST_TEST_MESSAGE("php not installed: php-cli comparison of doubles skipped");
        return;
    }
    std::vector<double> values;
    for (const auto& c : double_cases) values.push_back(c.value);
    // Random bit patterns cover every exponent; short decimals at every
    // scale cover the plain/exponent boundaries and shortest-digit choices.
    std::mt19937_64 rng(20261204);
    while (values.size() < 6000) {
        const std::uint64_t bits = rng();
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d)) values.push_back(d);
    }
    for (int i = 0; i < 4000; ++i)
        values.push_back(static_cast<double>(rng() % 100000) *
                         std::pow(10.0, static_cast<int>(rng() % 40) - 22));
    std::vector<std::string> inputs;
    for (double d : values) inputs.push_back(double_hex(d));
    const auto php = php_json_encode("unpack('E', hex2bin($h))[1]", inputs);
    BOOST_REQUIRE_EQUAL(php.size(), values.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < values.size() && mismatches < 10; ++i) {
        const auto ours = ems_double(values[i]);
        if (ours != php[i]) ++mismatches;
        BOOST_TEST(ours == php[i], "bits " << inputs[i]);
    }
}

BOOST_AUTO_TEST_CASE(nan_and_infinities_are_refused_as_php_refuses_them) {
    const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity()};
    for (double d : bad) {
        Json::Value v(Json::objectValue);
        v["n"] = d;
        BOOST_CHECK_THROW(encode_php_json(v), InvalidData);
    }
    if (!php_available()) return;
    std::vector<std::string> inputs;
    for (double d : bad) inputs.push_back(double_hex(d));
    const auto php = php_json_encode("unpack('E', hex2bin($h))[1]", inputs);
    BOOST_TEST(php == std::vector<std::string>(inputs.size(), "false"),
               boost::test_tools::per_element());
}

// Texts read from a file and written back: huge integers, numbers past a
// double's range, -0, exponents. PHP's json_decode then json_encode, byte
// for byte; where PHP cannot write the value back (1e400 reads as INF),
// ems refuses it already when reading.
BOOST_AUTO_TEST_CASE(values_read_back_are_written_as_php_rewrites_them) {
    const std::vector<std::string> texts = {
        "[9223372036854775807]",
        "[9223372036854775808]",
        "[18446744073709551615]",
        "[18446744073709551616]",
        "[-9223372036854775808]",
        "[-9223372036854775809]",
        "[123456789012345678901234567890]",
        "[1e308]",
        "[5e-324]",
        "[1e-400]",
        "[1e400]",
        "[-1e400]",
        "[-0]",
        "[-0.0]",
        "[0.1e1, 1E2, 2.50]",
        "{\"big\": 1.5e300, \"small\": -2.5e-300}",
        "[\"\\u00e9\\ud83c\\udf89 \\/ \\\\\"]",
    };
    const std::vector<std::string> expected = {
        "[9223372036854775807]",
        "[9.223372036854776e+18]",
        "[1.8446744073709552e+19]",
        "[1.8446744073709552e+19]",
        "[-9223372036854775808]",
        "[-9.223372036854776e+18]",
        "[1.2345678901234568e+29]",
        "[1.0e+308]",
        "[5.0e-324]",
        "[0]",
        "false",
        "false",
        "[0]",
        "[-0]",
        "[1,100,2.5]",
        "{\"big\":1.5e+300,\"small\":-2.5e-300}",
        "[\"\\u00e9\\ud83c\\udf89 \\/ \\\\\"]",
    };
    BOOST_REQUIRE_EQUAL(texts.size(), expected.size());
    for (std::size_t i = 0; i < texts.size(); ++i)
        BOOST_TEST(ems_reencode(texts[i]) == expected[i], texts[i]);
    if (!php_available()) {
        BOOST_TEST_MESSAGE("php not installed: php-cli comparison of read-back values skipped");
        return;
    }
    const auto php = php_json_encode("json_decode(hex2bin($h))", hex_lines(texts));
    BOOST_TEST(php == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused_as_php_refuses_it) {
    const std::vector<std::string> bad = {
        "\xff",
        "\xc3",
        "\xc0\xaf",
        "\xe0\x80\xaf",
        "\xed\xa0\x80",
        "\xf4\x90\x80\x80",
        "ok\xf5\x80\x80\x80",
        "caf\xe9",
        "\x80",
        "\xe2\x82",
    };
    for (const auto& s : bad) BOOST_CHECK_THROW(encode_php_json(Object{{"name", s}}), InvalidData);
    if (!php_available()) return;
    const auto php = php_json_encode("hex2bin($h)", hex_lines(bad));
    BOOST_TEST(php == std::vector<std::string>(bad.size(), "false"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(strings_match_php_cli_byte_for_byte) {
    const std::vector<std::string> good = {
        "",
        "a/b",
        "\"q\" \\ <b>&</b>",
        "\n\t\r\b\f\x01\x1f",
        "Jos\xc3\xa9",
        "\xf0\x9f\x8e\x89",
        "\xe2\x80\x94",
        "\x7f",
        "\xef\xbf\xbf",
        "\xf4\x8f\xbf\xbf",
    };
    if (!php_available()) {
        BOOST_TEST_MESSAGE("php not installed: php-cli comparison of strings skipped");
        return;
    }
    const auto php = php_json_encode("hex2bin($h)", hex_lines(good));
    BOOST_REQUIRE_EQUAL(php.size(), good.size());
    for (std::size_t i = 0; i < good.size(); ++i)
        BOOST_TEST(encode_php_json(Json::Value(good[i])) == php[i], "string " << i);
}

BOOST_AUTO_TEST_SUITE_END()
