#include "core/text.hpp"

#include <sys/random.h>

#include <cctype>
#include <stdexcept>

namespace ems {

std::string to_valid_utf8(std::string_view s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size();) {
        char32_t code;
        if (const auto len = decode_utf8(s, i, code)) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

bool is_hex(std::string_view s, std::size_t min_len, std::size_t max_len) {
    return s.size() >= min_len && s.size() <= max_len &&
           s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

bool has_control_chars(std::string_view s) {
    for (unsigned char c : s) {
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return true;
    }
    return false;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    const auto* ws = " \t\r\n";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(ws);
    return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

bool one_in(unsigned n) {
    const auto hex = random_hex(4);
    return n <= 1 || std::stoul(hex, nullptr, 16) % n == 0;
}

std::string random_hex(std::size_t n_bytes) {
    std::string raw(n_bytes, '\0');
    std::size_t got = 0;
    while (got < n_bytes) {
        const auto r = getrandom(raw.data() + got, n_bytes - got, 0);
        if (r < 0) throw std::runtime_error("getrandom failed");
        got += static_cast<std::size_t>(r);
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n_bytes * 2);
    for (unsigned char c : raw) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string check_text(const std::string& v, std::size_t max_chars) {
    if (!valid_utf8(v) || has_control_chars(v)) return "Please remove unsupported characters";
    if (utf8_length(v) > max_chars)
        return "Please use at most " + std::to_string(max_chars) + " characters";
    return {};
}

}  // namespace ems
