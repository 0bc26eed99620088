#include "handlers/forms.hpp"

#include <regex>

#include "core/text.hpp"

namespace ems::forms {

pages::Field field_view(const FieldSpec& spec, const std::string& value, const std::string& error) {
    const bool password = std::string(spec.type) == "password";
    return {.name = spec.name,
            .label = spec.label,
            .type = spec.type,
            .autocomplete = spec.autocomplete,
            .value = password ? std::string() : value,
            .error = error,
            .required = spec.required};
}

Json::Value field(const FieldSpec& spec, const std::string& value, const std::string& error) {
    return pages::to_model(field_view(spec, value, error));
}

std::string value(const Request& req, const std::string& name) {
    return trim(req.form(name));
}

std::optional<bool> checkbox(const Request& req, const std::string& name) {
    const auto [first, last] = req.form_fields().equal_range(name);
    if (first == last) return std::nullopt;
    const auto& v = std::prev(last)->second;
    if (v == "1") return true;
    if (v == "0") return false;
    return std::nullopt;
}

bool valid_email(const std::string& email) {
    if (email.size() > 254 || !valid_utf8(email)) return false;
    static const std::regex re(
        R"(^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$)");
    return std::regex_match(email, re);
}

}  // namespace ems::forms
