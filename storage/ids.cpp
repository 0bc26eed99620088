// Id validation. Every path in storage/ is built from ids that passed these
// checks, so a name can never contain '/', '.', NUL or anything else that
// could leave the storage root.
#include <cctype>
#include <charconv>

#include "storage/file_storage.hpp"

namespace ems::storage {
namespace {

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool decimal_id(std::string_view s, std::size_t max_digits) {
    return !s.empty() && s.size() <= max_digits && s[0] != '0' && all_digits(s);
}

bool guid(std::string_view s) {
    static constexpr std::size_t group_ends[] = {8, 13, 18, 23};
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash_here = false;
        for (std::size_t end : group_ends) dash_here = dash_here || i == end;
        if (dash_here ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
            return false;
    }
    return true;
}

}  // namespace

bool valid_uid(std::string_view uid) {
    return decimal_id(uid, 19) || guid(uid);
}

bool valid_event_id(std::string_view id) {
    return decimal_id(id, 18);
}

bool valid_event_id(std::int64_t id) {
    return id > 0 && id <= 999'999'999'999'999'999LL;
}

std::optional<std::int64_t> parse_event_id(std::string_view id) {
    if (!valid_event_id(id)) return std::nullopt;
    std::int64_t value = 0;
    std::from_chars(id.data(), id.data() + id.size(), value);
    return value;
}

}  // namespace ems::storage
