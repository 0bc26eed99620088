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

std::string value(const Request& req, const std::string& name) {
    return trim(req.form(name));
}

bool valid_email(const std::string& email) {
    if (email.size() > 254 || !valid_utf8(email)) return false;
    static const std::regex re(
        R"(^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$)");
    return std::regex_match(email, re);
}

}  // namespace ems::forms
