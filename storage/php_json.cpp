#include "storage/php_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>

#include "core/json_read.hpp"
#include "core/utf8.hpp"
#include "storage/file_storage.hpp"

namespace ems::storage {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(code >> shift) & 0xf];
}

void append_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            char32_t code = 0;
            std::size_t len = decode_utf8(s, i, code);
            if (len == 0)
                throw InvalidData("invalid UTF-8 at byte " + std::to_string(i) + " of a string");
            if (code >= 0x10000) {
                code -= 0x10000;
                append_u_escape(out, 0xd800 + (code >> 10));
                append_u_escape(out, 0xdc00 + (code & 0x3ff));
            } else {
                append_u_escape(out, code);
            }
            i += len;
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '/':
                out += "\\/";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20)
                    append_u_escape(out, c);
                else
                    out += static_cast<char>(c);
        }
        ++i;
    }
    out += '"';
}

void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) throw InvalidData("NaN or infinite number cannot be stored as JSON");
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    // PHP (serialize_precision -1) writes 2.0, not 2: keep it a float.
    if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

class Encoder {
  public:
    explicit Encoder(bool pretty) : pretty_(pretty) {}
    std::string out;

    void value(const Json::Value& v, int depth) {
        switch (v.type()) {
            case Json::nullValue:
                out += "null";
                break;
            case Json::booleanValue:
                out += v.asBool() ? "true" : "false";
                break;
            case Json::intValue:
                out += std::to_string(v.asLargestInt());
                break;
            case Json::uintValue:
                out += std::to_string(v.asLargestUInt());
                break;
            case Json::realValue:
                append_double(out, v.asDouble());
                break;
            case Json::stringValue: {
                const char* b = nullptr;
                const char* e = nullptr;
                v.getString(&b, &e);
                append_string(out, std::string_view(b, static_cast<std::size_t>(e - b)));
                break;
            }
            case Json::arrayValue:
                array(v, depth);
                break;
            case Json::objectValue:
                object(v, depth);
                break;
        }
    }

  private:
    bool pretty_;

    void newline(int depth) {
        if (!pretty_) return;
        out += '\n';
        out.append(static_cast<std::size_t>(depth) * 4, ' ');
    }
    void array(const Json::Value& v, int depth) {
        if (v.empty()) return void(out += "[]");
        out += '[';
        for (Json::ArrayIndex i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            newline(depth + 1);
            value(v[i], depth + 1);
        }
        newline(depth);
        out += ']';
    }
    void object(const Json::Value& v, int depth) {
        if (v.empty()) return void(out += "{}");
        out += '{';
        bool first = true;
        for (const std::string& key : order_members(v)) {
            if (!first) out += ',';
            first = false;
            newline(depth + 1);
            append_string(out, key);
            out += pretty_ ? ": " : ":";
            value(v[key], depth + 1);
        }
        newline(depth);
        out += '}';
    }
};

}  // namespace

std::string encode_php_json(const Json::Value& value, bool pretty, int depth) {
    Encoder encoder(pretty);
    encoder.value(value, depth);
    return std::move(encoder.out);
}

std::optional<Json::Value> parse_json(std::string_view text, std::string* error) {
    return read_json(text, JsonReadOptions::php_file(), error);
}

std::vector<std::string> order_members(const Json::Value& object) {
    // Iterators, not getMemberNames() + lookups: this runs over 100,000-key
    // participant lists on every cold load.
    std::vector<std::pair<std::ptrdiff_t, std::string>> ranked;
    ranked.reserve(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) {
        auto start = it->getOffsetStart();
        ranked.emplace_back(start > 0 ? start : PTRDIFF_MAX, it.name());
    }
    // Stable: members without an offset keep jsoncpp's key order.
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> keys;
    keys.reserve(ranked.size());
    for (auto& r : ranked) keys.push_back(std::move(r.second));
    return keys;
}

void set_member_order(Json::Value& object, const std::vector<std::string>& keys) {
    std::ptrdiff_t position = 1;
    for (const std::string& key : keys) {
        if (!object.isMember(key)) continue;
        object[key].setOffsetStart(position);
        object[key].setOffsetLimit(position);
        ++position;
    }
}

Json::Value merge_preserving(const Json::Value& base, const Json::Value& update) {
    if (!base.isObject() || !update.isObject()) return update;
    std::vector<std::string> keys = order_members(base);
    Json::Value merged = base;
    for (const std::string& key : order_members(update)) {
        if (!base.isMember(key)) keys.push_back(key);
        merged[key] = update[key];
    }
    set_member_order(merged, keys);
    return merged;
}

}  // namespace ems::storage
