// JSON in the PHP app's byte layout. Parsing is jsoncpp's; only the writer
// is ours, because jsoncpp cannot write `\/`, lowercase `\uXXXX` for all
// non-ASCII, PHP's array layout, or keep an object's key order.
#pragma once

#include <json/json.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ems::storage {

// json_encode($v, JSON_PRETTY_PRINT) layout when pretty, else one line with
// no spaces (json_encode($v)). Object keys follow order_members(). Throws
// InvalidData on invalid UTF-8 or non-finite numbers.
// `depth` is the indent level the value starts at (for writing one member
// of a bigger document).
std::string encode_php_json(const Json::Value& value, bool pretty = true, int depth = 0);

// read_json with JsonReadOptions::php_file() (core/json_read.hpp says what
// it refuses). Values carry their text offsets, which order_members() uses
// to keep file order. Returns nullopt and sets *error on failure.
std::optional<Json::Value> parse_json(std::string_view text, std::string* error);

// Keys of an object in file order: members that came from a parse sorted by
// offset, then programmatically added members in key order.
std::vector<std::string> order_members(const Json::Value& object);

// `update` over `base`: keys of `base` keep their place, values from
// `update` win, keys only in `update` are appended in their own order.
Json::Value merge_preserving(const Json::Value& base, const Json::Value& update);

// Stamps members with increasing offsets so order_members() keeps `keys`.
void set_member_order(Json::Value& object, const std::vector<std::string>& keys);

}  // namespace ems::storage
