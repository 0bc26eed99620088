// JSON in the PHP app's byte layout. Parsing is jsoncpp's; only the writer
// is ours, because jsoncpp cannot write `\/`, lowercase `\uXXXX` for all
// non-ASCII, PHP's array layout, or keep an object's key order.
#pragma once

#include <json/json.h>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ems::storage {

namespace php_json {

// An object whose keys keep the order they are given in, as a PHP array
// does: the way to build any object that goes into a file. jsoncpp keeps
// an object's members in a map (sorted by key) and the writer orders them
// by the marks this class leaves, so a Json::Value filled member by member
// comes out sorted, which is never the PHP app's order.
//   php_json::Object{{"uid", 7}, {"joined_at", now}, {"status", "registered"}}
class Object {
  public:
    Object() = default;
    Object(std::initializer_list<std::pair<std::string, Json::Value>> members);
    // Appends a member after the others (std::logic_error on a key given twice).
    Object& add(const std::string& key, Json::Value value);
    bool empty() const { return next_ == 1; }
    const Json::Value& value() const& { return value_; }
    Json::Value value() && { return std::move(value_); }
    // So an Object can be a member's value, or passed where a Json::Value is taken.
    operator Json::Value() const& { return value_; }
    operator Json::Value() && { return std::move(value_); }

  private:
    Json::Value value_{Json::objectValue};
    std::ptrdiff_t next_ = 1;
};

}  // namespace php_json

// json_encode($v, JSON_PRETTY_PRINT) layout when pretty, else one line with
// no spaces (json_encode($v)), with PHP 8.2's numbers (serialize_precision
// -1: the shortest text that reads back the same double, `2` for 2.0,
// `1.0e+25`, `1.5e-7`, `-0`; integers past PHP's int64 as the float PHP
// would have read). Object keys follow order_members(). Throws InvalidData
// on invalid UTF-8 or a NaN or infinite number, where PHP's json_encode
// returns false.
// `depth` is the indent level the value starts at (for writing one member
// of a bigger document).
std::string encode_php_json(const Json::Value& value, bool pretty = true, int depth = 0);

// read_json with JsonReadOptions::php_file() (core/json_read.hpp says what
// it refuses). Values carry their text offsets, which order_members() uses
// to keep file order. Returns nullopt and sets *error on failure.
std::optional<Json::Value> parse_json(std::string_view text, std::string* error);

// Keys of an object in file order: members that came from a parse sorted by
// offset (or placed by php_json::Object), then members set one by one on a
// Json::Value, which have no place, in key order (jsoncpp's).
std::vector<std::string> order_members(const Json::Value& object);

// `update` over `base`: keys of `base` keep their place, values from
// `update` win, keys only in `update` are appended in their own order.
Json::Value merge_preserving(const Json::Value& base, const Json::Value& update);

}  // namespace ems::storage
