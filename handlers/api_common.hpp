// Helpers for the JSON API handlers: reading a JSON (or form) body and
// building the common answers. Errors are thrown (core/errors.hpp), never
// built here: handlers/dispatch.cpp answers them.
#pragma once
#include <json/json.h>

#include <string>

#include "handlers/app.hpp"

namespace ems::api {

// The request's JSON object body; a form body is accepted too (fields as
// strings). Throws BadRequest for malformed JSON or a non-object.
Json::Value body(const Ctx& ctx);
// A string member, trimmed; "" when absent or not a string.
std::string field(const Json::Value& body, const char* name);
Response ok(const Json::Value& value, int status = 200);
Json::Value user_json(const User& u);

}  // namespace ems::api
