// core/text: the text check every form field and API field goes through.
#define BOOST_TEST_DYN_LINK
#include "core/text.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(check_text_accepts_plain_and_multibyte_text_up_to_the_limit) {
    BOOST_TEST(ems::check_text("") == "");
    BOOST_TEST(ems::check_text("Grüße aus Köln\tund\r\nmehr") == "");
    BOOST_TEST(ems::check_text(std::string(255, 'a')) == "");
    // 255 characters of two bytes each: the limit counts characters, not bytes.
    std::string umlauts;
    for (int i = 0; i < 255; ++i) umlauts += "\xC3\xBC";
    BOOST_TEST(ems::check_text(umlauts) == "");
    BOOST_TEST(ems::utf8_length(umlauts) == 255u);
}

BOOST_AUTO_TEST_CASE(check_text_refuses_invalid_utf8_control_characters_and_overlong_text) {
    const std::string unsupported = "Please remove unsupported characters";
    const struct {
        std::string value;
        std::string message;
    } cases[] = {
        {"\xC3", unsupported},                  // truncated sequence
        {"\xC0\xAF", unsupported},              // overlong '/'
        {"\xED\xA0\x80", unsupported},          // UTF-16 surrogate
        {std::string("a\0b", 3), unsupported},  // NUL
        {"bell\x07", unsupported},              // control character
        {std::string(256, 'a'), "Please use at most 255 characters"},
    };
    for (const auto& c : cases) BOOST_TEST(ems::check_text(c.value) == c.message);
    BOOST_TEST(ems::check_text("abcd", 3) == "Please use at most 3 characters");
}

BOOST_AUTO_TEST_CASE(is_hex_accepts_only_hex_digits_within_the_lengths) {
    const struct {
        std::string value;
        std::size_t min, max;
        bool ok;
    } cases[] = {
        {std::string(64, 'a'), 64, 64, true},
        {"0123456789abcdefABCDEF", 1, 64, true},
        {std::string(63, 'a'), 64, 64, false},           // one short
        {std::string(65, 'a'), 64, 64, false},           // one long
        {std::string(63, 'a') + "g", 64, 64, false},     // not a hex digit
        {std::string(63, 'a') + "\xC3", 64, 64, false},  // a byte over 0x7F
        {std::string(31, 'a') + std::string(1, '\0'), 32, 32, false},
        {"", 0, 8, true},
        {"", 1, 8, false},
    };
    for (const auto& c : cases) BOOST_TEST(ems::is_hex(c.value, c.min, c.max) == c.ok, c.value);
}

BOOST_AUTO_TEST_CASE(to_valid_utf8_replaces_each_bad_byte_and_keeps_the_rest) {
    const std::string fffd = "\xEF\xBF\xBD";
    const struct {
        std::string in, out;
    } cases[] = {
        {"plain", "plain"},
        {"Gr\xC3\xBC\xC3\x9F"
         "e \xF0\x9F\x98\x80",
         "Gr\xC3\xBC\xC3\x9F"
         "e \xF0\x9F\x98\x80"},
        {"a\x80z", "a" + fffd + "z"},                     // lone continuation byte
        {"a\xC3", "a" + fffd},                            // truncated at the end
        {"\xC3(", fffd + "("},                            // lead byte without its continuation
        {"\xC0\xAF", fffd + fffd},                        // overlong '/'
        {"\xED\xA0\x80", fffd + fffd + fffd},             // surrogate
        {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
        {std::string("nul\0bell\x07", 9), std::string("nul\0bell\x07", 9)},  // control chars stay
    };
    for (const auto& c : cases) {
        const auto out = ems::to_valid_utf8(c.in);
        BOOST_TEST(out == c.out);
        BOOST_TEST(ems::valid_utf8(out));
    }
}

BOOST_AUTO_TEST_SUITE_END()
