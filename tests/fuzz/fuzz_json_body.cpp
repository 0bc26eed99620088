// libFuzzer target: a JSON API request body, read with the API's options
// (core/json_read.hpp: api_body). A body read as valid must be an object
// or an array no deeper than the limit, and write back as JSON that reads
// again to the same value.
#include <json/json.h>

#include <cstdint>
#include <string>

#include "core/json_read.hpp"

namespace {

std::size_t depth(const Json::Value& v) {
    std::size_t d = 0;
    if (v.isArray() || v.isObject())
        for (const auto& child : v) d = std::max(d, depth(child));
    return d + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto options = ems::JsonReadOptions::api_body();
    std::string error;
    const auto v = ems::read_json(text, options, &error);
    if (!v) {
        if (error.empty()) __builtin_trap();  // a refusal always says why
        return 0;
    }
    if (!v->isObject() && !v->isArray()) __builtin_trap();
    if (depth(*v) > options.max_depth + 1) __builtin_trap();
    Json::StreamWriterBuilder w;
    w["indentation"] = "";
    const auto again = ems::read_json(Json::writeString(w, *v), options);
    if (!again || !(*again == *v)) __builtin_trap();
    return 0;
}
