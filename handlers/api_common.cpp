#include "handlers/api_common.hpp"

#include <memory>

#include "core/errors.hpp"
#include "core/json_read.hpp"
#include "core/text.hpp"
#include "handlers/handlers.hpp"

namespace ems::api {

Json::Value body(const Ctx& ctx) {
    const auto& req = ctx.req;
    if (req.content_type().rfind("application/json", 0) != 0) {
        Json::Value v(Json::objectValue);
        for (const auto& [k, val] : req.form_fields()) v[k] = val;
        return v;
    }
    auto v = read_json(req.body(), JsonReadOptions::api_body());
    if (!v || !v->isObject()) throw BadRequest("The body must be a JSON object");
    return std::move(*v);
}

std::string field(const Json::Value& body, const char* name) {
    const auto& v = body[name];
    return v.isString() ? trim(v.asString()) : std::string();
}

Response ok(const Json::Value& value, int status) {
    return Response::json(value, status);
}

Json::Value user_json(const User& u) {
    static const std::pair<const char*, std::string User::*> texts[] = {
        {"uid", &User::uid},     {"fname", &User::fname},       {"mname", &User::mname},
        {"lname", &User::lname}, {"fullname", &User::fullname}, {"email", &User::email}};
    Json::Value v;
    for (const auto& [name, member] : texts) v[name] = u.*member;
    v["emailverified"] = u.emailverified;
    v["profile_picture_url"] = picture_url(u.profilepicture);
    return v;
}

}  // namespace ems::api
