#include "storage/php_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>

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

// PHP 8.2's json_encode of a double (serialize_precision -1, so php_gcvt
// with zend_dtoa mode 0): the shortest digits that read back the same
// double, written plainly from 0.0001 up to 17 digits before the point
// (0.0001, 10000000000000000), else as d.ddde+X (1.0e-5, 1.0e+17); no
// ".0" is added (JSON_PRESERVE_ZERO_FRACTION is off), so 2.0 is `2` and
// -0.0 is `-0`.
void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) throw InvalidData("NaN or infinite number cannot be stored as JSON");
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));  // [-]d[.ddd]e(+|-)dd
    if (text.front() == '-') {
        out += '-';
        text.remove_prefix(1);
    }
    const auto e = text.find('e');
    std::string digits(1, text[0]);
    if (e > 1) digits.append(text.substr(2, e - 2));
    int exponent = 0;
    std::from_chars(text.data() + e + 2, text.data() + text.size(), exponent);
    if (text[e + 1] == '-') exponent = -exponent;
    const int point = exponent + 1;  // digits before the decimal point
    if (point < -3 || point > 17) {
        out += digits[0];
        out += '.';
        out += digits.size() > 1 ? std::string_view(digits).substr(1) : "0";
        out += exponent < 0 ? "e-" : "e+";
        out += std::to_string(exponent < 0 ? -exponent : exponent);
    } else if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else {
        const auto whole = static_cast<std::size_t>(point);
        out += std::string_view(digits).substr(0, whole);
        if (digits.size() < whole) out.append(whole - digits.size(), '0');
        if (digits.size() > whole) out += '.' + digits.substr(whole);
    }
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
                // Past int64 PHP has no integer: json_decode made it a float.
                if (v.asLargestUInt() > static_cast<Json::LargestUInt>(INT64_MAX))
                    append_double(out, v.asDouble());
                else
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

// Gives members increasing offsets, which order_members() sorts by.
void set_member_order(Json::Value& object, const std::vector<std::string>& keys) {
    std::ptrdiff_t position = 1;
    for (const std::string& key : keys) {
        if (!object.isMember(key)) continue;
        object[key].setOffsetStart(position);
        object[key].setOffsetLimit(position);
        ++position;
    }
}

}  // namespace

namespace php_json {

Object::Object(std::initializer_list<std::pair<std::string, Json::Value>> members) {
    for (const auto& [key, value] : members) add(key, value);
}

Object& Object::add(const std::string& key, Json::Value value) {
    if (value_.isMember(key)) throw std::logic_error("php_json::Object: key given twice: " + key);
    Json::Value& member = value_[key];
    member = std::move(value);
    member.setOffsetStart(next_);
    member.setOffsetLimit(next_);
    ++next_;
    return *this;
}

}  // namespace php_json

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
