// core/text: valid_utf8, which every form field, path and JSON body goes
// through: well-formed UTF-8 only (no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequences).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/text.hpp"

BOOST_AUTO_TEST_SUITE(text_utf8)

BOOST_AUTO_TEST_CASE(valid_utf8_accepts_well_formed_and_refuses_the_rest) {
    const std::vector<std::pair<std::string, bool>> cases = {
        {"", true},
        {"plain ascii", true},
        {std::string("nul\0inside", 10), true},  // NUL is valid UTF-8; has_control_chars refuses it
        {"\xC3\xBC", true},                      // ü
        {"\xE2\x82\xAC", true},                  // €
        {"\xF0\x9F\x94\x91", true},              // 🔑
        {"\xED\x9F\xBF", true},                  // U+D7FF, just below the surrogates
        {"\xEE\x80\x80", true},                  // U+E000, just above
        {"\xF4\x8F\xBF\xBF", true},              // U+10FFFF, the last code point
        // Overlong forms (a second spelling of "/", ".", NUL).
        {"\xC0\xAF", false},
        {"\xC1\xBF", false},
        {"\xE0\x80\xAF", false},
        {"\xE0\x9F\xBF", false},
        {"\xF0\x80\x80\xAF", false},
        {"\xF0\x8F\xBF\xBF", false},
        {"\xC0\x80", false},
        {"..\xC0\xAF..\xC0\xAF", false},
        // UTF-16 surrogates encoded as UTF-8 (CESU-8).
        {"\xED\xA0\x80", false},
        {"\xED\xBF\xBF", false},
        {"\xED\xA0\xBD\xED\xB4\x91", false},
        // Beyond U+10FFFF and the old 5- and 6-byte forms.
        {"\xF4\x90\x80\x80", false},
        {"\xF5\x80\x80\x80", false},
        {"\xF8\x88\x80\x80\x80", false},
        {"\xFC\x84\x80\x80\x80\x80", false},
        {"\xFE", false},
        {"\xFF", false},
        // Lone continuation bytes and truncated sequences.
        {"\x80", false},
        {"a\xBF", false},
        {"\xC3", false},
        {"\xE2\x82", false},
        {"\xF0\x9F\x94", false},
        {"\xC3 ", false},
        {"\xE2\x28\xA1", false},
    };
    for (const auto& [in, ok] : cases) {
        std::string hex;
        for (unsigned char c : in) hex += "\\x" + std::to_string(c);
        BOOST_TEST(ems::valid_utf8(in) == ok, "valid_utf8(" << hex << ")");
    }
}

BOOST_AUTO_TEST_SUITE_END()
