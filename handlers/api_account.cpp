// /api/auth/* and /api/me: the account actions as JSON, with the same rules
// and messages as the pages (session cookie, or a bearer token). They call
// the same functions as the pages; what those throw is answered by the
// dispatcher, its status from the error's type (core/errors.hpp).
#include "core/errors.hpp"
#include "handlers/api_common.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/profile.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

// A string member as sent (passwords are not trimmed); "" when absent.
std::string raw_field(const Json::Value& body, const char* name) {
    return body[name].isString() ? body[name].asString() : std::string();
}

}  // namespace

Response api_login(Ctx& ctx) {
    const auto b = api::body(ctx);
    attempt_login(ctx, api::field(b, "email"), raw_field(b, "password"));
    Json::Value v;
    v["user"] = api::user_json(*ctx.user);
    v["csrf_token"] = ctx.csrf_token;
    return api::ok(v);
}

Response api_logout(Ctx& ctx) {
    // Called with a bearer token: that token ends (load_session checked it).
    if (ctx.auth_via == "token")
        profile::revoke_api_token_value(ctx.app, ctx.req.env("HTTP_AUTHORIZATION").substr(7));
    sign_out(ctx);
    Json::Value v;
    v["signed_out"] = true;
    return api::ok(v);
}

Response api_register(Ctx& ctx) {
    const auto b = api::body(ctx);
    Registration r{api::field(b, "fname"),   api::field(b, "mname"),
                   api::field(b, "lname"),   api::field(b, "email"),
                   raw_field(b, "password"), raw_field(b, "confirm_password")};
    Json::Value v;
    v["uid"] = attempt_register(ctx, r);
    v["signed_in"] = ctx.user.has_value();
    if (ctx.user) v["csrf_token"] = ctx.csrf_token;
    return api::ok(v, 201);
}

Response api_reset_request(Ctx& ctx) {
    Json::Value v;
    v["message"] = request_password_reset(ctx, api::field(api::body(ctx), "email"));
    return api::ok(v, 202);
}

Response api_show_me(Ctx& ctx) {
    return api::ok(api::user_json(*ctx.user));
}

Response api_update_me(Ctx& ctx) {
    const auto b = api::body(ctx);
    apply_profile_update(ctx, api::field(b, "fname"), api::field(b, "mname"),
                         api::field(b, "lname"));
    return api::ok(api::user_json(*find_user(ctx.app.db(), ctx.user->uid)));
}

Response api_change_password(Ctx& ctx) {
    const auto b = api::body(ctx);
    apply_password_change(ctx, raw_field(b, "current_password"), raw_field(b, "new_password"),
                          raw_field(b, "confirm_password"));
    Json::Value v;
    v["message"] = "Password changed successfully";
    return api::ok(v);
}

Response api_upload_picture(Ctx& ctx) {
    apply_picture_upload(ctx, ctx.req.file("profile_picture"));
    return api::ok(api::user_json(*ctx.user));
}

}  // namespace ems
