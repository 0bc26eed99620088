#include "core/json_read.hpp"

#include <memory>

#include "core/utf8.hpp"

namespace ems {
namespace {

// jsoncpp's strict mode still skips comments between an object's or an
// array's members; a '/' outside a string is never JSON.
bool has_comment(std::string_view text) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '/') {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<Json::Value> read_json(std::string_view text, const JsonReadOptions& options,
                                     std::string* error) {
    auto fail = [&](std::string why) -> std::optional<Json::Value> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (options.max_bytes && text.size() > options.max_bytes)
        return fail("JSON text longer than " + std::to_string(options.max_bytes) + " bytes");
    if (options.require_utf8 && !valid_utf8(text)) return fail("JSON text is not valid UTF-8");
    if (has_comment(text)) return fail("comments are not JSON");
    Json::CharReaderBuilder builder;
    Json::CharReaderBuilder::strictMode(&builder.settings_);
    builder["rejectDupKeys"] = options.reject_duplicate_keys;
    builder["stackLimit"] = static_cast<Json::UInt64>(options.max_depth);
    // One reader per call: a CharReader keeps per-parse state, and building
    // one costs nothing next to a parse.
    const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
    Json::Value value;
    std::string err;
    try {
        if (!reader->parse(text.data(), text.data() + text.size(), &value, &err)) return fail(err);
    } catch (const Json::Exception& e) {  // stackLimit is enforced by a throw
        return fail(e.what());
    }
    return value;
}

}  // namespace ems
