#include "core/json_read.hpp"

#include <memory>

#include "core/utf8.hpp"

namespace ems {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view n) {
    std::size_t i = 0;
    auto digits = [&] {
        const auto from = i;
        while (i < n.size() && is_digit(n[i])) ++i;
        return i > from;
    };
    if (i < n.size() && n[i] == '-') ++i;
    if (i < n.size() && n[i] == '0')
        ++i;
    else if (!digits())
        return false;
    if (i < n.size() && n[i] == '.' && (++i, !digits())) return false;
    if (i < n.size() && (n[i] == 'e' || n[i] == 'E')) {
        ++i;
        if (i < n.size() && (n[i] == '+' || n[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == n.size();
}

// What jsoncpp's strict mode still lets through, found outside strings:
// comments between members, and numbers outside JSON's grammar (01, 1.,
// +1, .5, -.0). Returns why the text is not JSON, or "".
std::string not_json(std::string_view text) {
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
            return "comments are not JSON";
        } else if (is_digit(c) || c == '-' || c == '+' || c == '.') {
            auto end = i;
            while (end < text.size() &&
                   (is_digit(text[end]) ||
                    std::string_view("+-.eE").find(text[end]) != std::string_view::npos))
                ++end;
            const auto number = text.substr(i, end - i);
            if (!json_number(number))
                return "'" + std::string(number.substr(0, 40)) + "' is not a JSON number";
            i = end - 1;
        }
    }
    return {};
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
    if (auto why = not_json(text); !why.empty()) return fail(std::move(why));
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
