// core/utf8: the one decoder under the text checks and the PHP JSON writer.
#define BOOST_TEST_DYN_LINK
#include "core/utf8.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

BOOST_AUTO_TEST_SUITE(core_utf8)

BOOST_AUTO_TEST_CASE(decode_utf8_returns_length_and_code_point_of_each_width) {
    const struct {
        std::string bytes;
        std::size_t length;
        char32_t code;
    } cases[] = {
        {"A", 1, U'A'},
        {"\xC3\xBC", 2, U'\u00FC'},
        {"\xE2\x82\xAC", 3, U'\u20AC'},
        {"\xF0\x9F\x98\x80", 4, U'\U0001F600'},
        {"\xF4\x8F\xBF\xBF", 4, U'\U0010FFFF'},
        {"\xC2\x80", 2, U'\u0080'},
        {"\xEF\xBF\xBF", 3, U'\uFFFF'},
    };
    for (const auto& c : cases) {
        char32_t code = 0;
        BOOST_TEST(ems::decode_utf8(c.bytes, 0, code) == c.length);
        BOOST_TEST(static_cast<unsigned>(code) == static_cast<unsigned>(c.code));
    }
}

BOOST_AUTO_TEST_CASE(decode_utf8_refuses_every_malformed_sequence) {
    const std::string bad[] = {
        "\x80",              // stray continuation byte
        "\xC3",              // truncated
        "\xE2\x82",          // truncated
        "\xC0\xAF",          // overlong '/'
        "\xE0\x80\xAF",      // overlong
        "\xF0\x80\x80\xAF",  // overlong
        "\xED\xA0\x80",      // surrogate
        "\xF4\x90\x80\x80",  // past U+10FFFF
        "\xF8\x88\x80\x80",  // five-byte lead
        "\xC3\x28",          // continuation missing
    };
    for (const auto& b : bad) {
        char32_t code = 0;
        BOOST_TEST(ems::decode_utf8(b, 0, code) == 0u);
        BOOST_TEST(!ems::valid_utf8("ok " + b + " ok"));
    }
}

BOOST_AUTO_TEST_CASE(valid_utf8_and_length_over_whole_strings) {
    BOOST_TEST(ems::valid_utf8(""));
    BOOST_TEST(ems::valid_utf8(std::string("a\0b", 3)));  // NUL is valid UTF-8
    BOOST_TEST(ems::valid_utf8("Grüße \xF0\x9F\x98\x80"));
    BOOST_TEST(ems::utf8_length("Grüße \xF0\x9F\x98\x80") == 7u);
    BOOST_TEST(ems::utf8_length("") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
