#include "handlers/forms.hpp"

#include <regex>

#include "core/text.hpp"

namespace ems::forms {

Json::Value field(const FieldSpec& spec, const std::string& value, const std::string& error) {
    Json::Value f(Json::objectValue);
    f["name"] = spec.name;
    f["label"] = spec.label;
    f["type"] = spec.type;
    f["value"] = std::string(spec.type) == "password" ? std::string() : value;
    if (!error.empty()) f["error"] = error;
    f["required"] = spec.required;
    f["optional"] = !spec.required;
    if (*spec.autocomplete) f["autocomplete"] = spec.autocomplete;
    return f;
}

std::string value(const Request& req, const std::string& name) { return trim(req.form(name)); }

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string check_text(const std::string& v, std::size_t max_chars) {
    if (!valid_utf8(v) || has_control_chars(v)) return "Please remove unsupported characters";
    if (utf8_length(v) > max_chars) return "Please use at most " + std::to_string(max_chars) + " characters";
    return {};
}

bool valid_email(const std::string& email) {
    if (email.size() > 254 || !valid_utf8(email)) return false;
    static const std::regex re(R"(^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$)");
    return std::regex_match(email, re);
}

}  // namespace ems::forms
