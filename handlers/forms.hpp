// Form helpers shared by the HTML handlers: field models for the _field
// partial and the input checks every text field goes through.
#pragma once
#include <json/json.h>

#include <map>
#include <string>

#include "fcgi/request.hpp"

namespace ems::forms {

struct FieldSpec {
    const char* name;
    const char* label;
    const char* type = "text";
    const char* autocomplete = "";
    bool required = true;
};

// A model for views/_field.mustache; passwords are never echoed back.
Json::Value field(const FieldSpec& spec, const std::string& value, const std::string& error);
// Trimmed form value; empty when the field is absent.
std::string value(const Request& req, const std::string& name);
// "" when ok, else a message: valid UTF-8, no control characters, at most max_chars.
std::string check_text(const std::string& v, std::size_t max_chars = 255);
bool valid_email(const std::string& email);
std::size_t utf8_length(const std::string& s);

}  // namespace ems::forms
