// Small text helpers shared by request parsing, handlers and models.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"

namespace ems {

// s with each byte that does not start a well-formed sequence replaced by
// U+FFFD, so it can go into JSON (whose text must be UTF-8) as it is.
std::string to_valid_utf8(std::string_view s);
// True when s is min_len to max_len hexadecimal digits (either case): the
// check for every token the site hands out (sessions, CSRF, reset links).
bool is_hex(std::string_view s, std::size_t min_len, std::size_t max_len);
// True when s holds a control character other than tab, CR and LF (NUL included).
bool has_control_chars(std::string_view s);
// The check every text field goes through, in forms and in the JSON API:
// "" when ok, else the message shown to the user. Valid UTF-8, no control
// characters, at most max_chars characters.
std::string check_text(const std::string& v, std::size_t max_chars = 255);
std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
// n random bytes from the OS (getrandom), hex-encoded: 2n characters.
std::string random_hex(std::size_t n_bytes);
// True about once in `n` calls, from the OS RNG: housekeeping that each
// worker does now and then (purges), without every worker doing it at once.
bool one_in(unsigned n);

}  // namespace ems
