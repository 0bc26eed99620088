#include "core/utf8.hpp"

namespace ems {

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& code) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        code = lead;
        return 1;
    }
    const std::size_t len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (len == 0 || lead > 0xf4 || i + len > s.size()) return 0;
    code = lead & (0x3f >> (len - 1));
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr char32_t min_code[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < min_code[len] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
    return len;
}

bool valid_utf8(std::string_view s) {
    char32_t code;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = decode_utf8(s, i, code);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

}  // namespace ems
