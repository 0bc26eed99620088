// Paging a list and the capacity rule: the arithmetic behind the manage
// page, the participants API and registration, written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ems {

// A whole number >= 1 written with digits only (no sign, no spaces), as
// page numbers and sizes come in query strings; nullopt otherwise. Values
// past what 64 bits hold saturate: "?page=10^30" is just a large page.
std::optional<std::uint64_t> parse_positive(std::string_view text);

struct Page {
    std::uint64_t number = 1;        // 1-based, as shown
    std::uint64_t pages = 0;         // ceil(total / per_page): 0 for an empty list
    std::size_t begin = 0, end = 0;  // the items [begin, end) shown on this page
    bool contains(std::size_t index) const { return index >= begin && index < end; }
};

// What a page number past the last page shows.
enum class PastEnd {
    last_page,  // the last page (HTML pages: a stale link still shows something)
    empty,      // nothing, number kept (the API: a client walking pages sees the end)
};

// Page `requested` (>= 1) of `total` items, `per_page` (>= 1) each. Safe for
// any requested number: no multiplication can overflow.
Page paginate(std::size_t total, std::size_t per_page, std::uint64_t requested, PastEnd past_end);

// The capacity rule of registration: an event holding `count` participants
// is full when a maximum is set and reached. Used where registration
// decides (storage, under the list's lock) and where the form says so.
constexpr bool at_capacity(std::size_t count, std::optional<std::size_t> max) {
    return max.has_value() && count >= *max;
}

}  // namespace ems
