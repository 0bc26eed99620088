// Form helpers shared by the HTML handlers: field models for the _field
// partial and the input checks every text field goes through.
#pragma once
#include <json/json.h>

#include <map>
#include <optional>
#include <string>

#include "core/text.hpp"
#include "handlers/request.hpp"
#include "views/pages.hpp"

namespace ems::forms {

struct FieldSpec {
    const char* name;
    const char* label;
    const char* type = "text";
    const char* autocomplete = "";
    bool required = true;
};

// A model for views/_field.mustache; passwords are never echoed back.
pages::Field field_view(const FieldSpec& spec, const std::string& value, const std::string& error);
// The same for an untyped page model.
Json::Value field(const FieldSpec& spec, const std::string& value, const std::string& error);
// Trimmed form value; empty when the field is absent.
std::string value(const Request& req, const std::string& name);
// A checkbox sent after its hidden "0" (Request::refuse_repeated_fields):
// the last value, "1" or "0"; nullopt when absent or anything else.
std::optional<bool> checkbox(const Request& req, const std::string& name);
// The text checks are pure and models use them too: they live in core/text.
using ems::check_text;
using ems::utf8_length;
bool valid_email(const std::string& email);

}  // namespace ems::forms
