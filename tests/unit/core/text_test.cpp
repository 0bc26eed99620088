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

BOOST_AUTO_TEST_SUITE_END()
