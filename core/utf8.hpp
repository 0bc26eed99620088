// The one UTF-8 decoder: form and API text checks (core/text) and the PHP
// JSON writer (storage/php_json) both rest on it, so they agree on what
// is valid.
#pragma once

#include <cstddef>
#include <string_view>

namespace ems {

// Decodes the sequence starting at s[i]: returns its length (1-4) and sets
// `code`, or returns 0 when it is invalid: a stray continuation byte, a
// truncated sequence, an overlong form, a UTF-16 surrogate or a value past
// U+10FFFF. i must be < s.size().
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& code);
// True when every sequence of s decodes.
bool valid_utf8(std::string_view s);
// Characters (code points) in a UTF-8 string: bytes that do not continue one.
std::size_t utf8_length(std::string_view s);

}  // namespace ems
