#include "core/pagination.hpp"

#include <algorithm>
#include <limits>

namespace ems {

std::optional<std::uint64_t> parse_positive(std::string_view text) {
    if (text.empty()) return std::nullopt;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
    }
    if (value == 0) return std::nullopt;
    return value;
}

Page paginate(std::size_t total, std::size_t per_page, std::uint64_t requested, PastEnd past_end) {
    per_page = std::max<std::size_t>(per_page, 1);
    Page p;
    p.pages = total / per_page + (total % per_page != 0);
    p.number = std::max<std::uint64_t>(requested, 1);
    if (past_end == PastEnd::last_page)
        p.number = std::min<std::uint64_t>(p.number, std::max<std::uint64_t>(p.pages, 1));
    if (p.number > p.pages) {
        p.begin = p.end = total;
        return p;
    }
    p.begin = static_cast<std::size_t>(p.number - 1) * per_page;  // < total: no overflow
    p.end = p.begin + std::min(per_page, total - p.begin);
    return p;
}

}  // namespace ems
