// The one JSON reader (jsoncpp underneath) for everything ems reads: the
// PHP app's files and our journals (through storage::parse_json), the
// attendedevents column, and API request bodies.
//
// Always refused: comments, single-quoted strings, trailing commas, dropped
// values (`[1,,2]`), anything but whitespace after the value, a root that
// is not an object or an array, NaN/Infinity literals and numbers outside
// a double's range (1e400), nesting deeper than `max_depth`, and text
// longer than `max_bytes` (when not 0). Parsed values keep their text
// offsets (storage::order_members keeps file order by them).
//
// What differs between sources is an option, named here:
// - duplicate keys: refused by both presets (PHP's json_decode keeps the
//   last one, silently; a file or body with two values for one key is
//   damaged or ambiguous, and ems says so rather than pick one);
// - invalid UTF-8: refused in API bodies (`api_body`), the first thing a
//   client hears about; not checked in files (`php_file`), whose strings
//   are checked when written back (storage::encode_php_json), so a stray
//   byte in one participant's name does not make a whole list unreadable.
#pragma once

#include <json/json.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ems {

struct JsonReadOptions {
    std::size_t max_depth = 256;
    std::size_t max_bytes = 0;  // 0: no limit (a file of 100,000 participants is ~20 MB)
    bool reject_duplicate_keys = true;
    bool require_utf8 = false;

    // Files written by the PHP app or by ems, journal lines, DB columns.
    static JsonReadOptions php_file() { return {}; }
    // Request bodies of the JSON API: already capped by body_limit, capped
    // here again (1 MiB) should that limit be raised.
    static JsonReadOptions api_body() { return {64, 1024 * 1024, true, true}; }
};

// The value, or nullopt with *error (when given) saying why.
std::optional<Json::Value> read_json(std::string_view text, const JsonReadOptions& options,
                                     std::string* error = nullptr);

}  // namespace ems
