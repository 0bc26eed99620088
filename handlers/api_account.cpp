// /api/auth/* and /api/me: the account actions as JSON, with the same rules
// and messages as the pages (session cookie, or a bearer token).
#include "core/errors.hpp"
#include "handlers/api_common.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/user.hpp"

namespace ems {

Response api_login(Ctx& ctx) {
    const auto b = api::body(ctx);
    const auto error = attempt_login(ctx, api::field(b, "email"),
                                     b["password"].isString() ? b["password"].asString() : "");
    if (!error.empty()) return api::error(error == "Please fill in all fields" ? 422 : 401, error);
    Json::Value v;
    v["user"] = api::user_json(*ctx.user);
    v["csrf_token"] = ctx.csrf_token;
    return api::ok(v);
}

Response api_logout(Ctx& ctx) {
    sign_out(ctx);
    Json::Value v;
    v["signed_out"] = true;
    return api::ok(v);
}

Response api_register(Ctx& ctx) {
    const auto b = api::body(ctx);
    auto str = [&](const char* n) { return b[n].isString() ? b[n].asString() : std::string(); };
    Registration r{api::field(b, "fname"), api::field(b, "mname"), api::field(b, "lname"),
                   api::field(b, "email"), str("password"),        str("confirm_password")};
    std::string uid;
    const auto errors = attempt_register(ctx, r, uid);
    if (!errors.empty()) {
        Json::Value v;
        v["error"] = errors.begin()->second;
        for (const auto& [k, msg] : errors)
            if (!k.empty()) v["fields"][k] = msg;
        return api::ok(
            v, errors.count("email") && errors.at("email") == "Email already exists" ? 409 : 422);
    }
    Json::Value v;
    v["uid"] = uid;
    v["signed_in"] = ctx.user.has_value();
    if (ctx.user) v["csrf_token"] = ctx.csrf_token;
    return api::ok(v, 201);
}

Response api_reset_request(Ctx& ctx) {
    reset_request(ctx);
    if (ctx.flash["type"].asString() != "success")
        return api::error(422, "Please enter a valid email address");
    Json::Value v;
    v["message"] = ctx.flash["message"];
    ctx.session_dirty = false;  // the API answers in the body, not in a flash
    return api::ok(v, 202);
}

Response api_show_me(Ctx& ctx) {
    return api::ok(api::user_json(*ctx.user));
}

Response api_update_me(Ctx& ctx) {
    const auto b = api::body(ctx);
    const auto e = apply_profile_update(ctx, api::field(b, "fname"), api::field(b, "mname"),
                                        api::field(b, "lname"));
    if (!e.empty()) return api::error(422, e);
    return api::ok(api::user_json(*find_user(ctx.app.db(), ctx.user->uid)));
}

Response api_change_password(Ctx& ctx) {
    const auto b = api::body(ctx);
    auto str = [&](const char* n) { return b[n].isString() ? b[n].asString() : std::string(); };
    const auto e = apply_password_change(ctx, str("current_password"), str("new_password"),
                                         str("confirm_password"));
    if (!e.empty()) return api::error(e == "Current password is incorrect" ? 403 : 422, e);
    Json::Value v;
    v["message"] = "Password changed successfully";
    return api::ok(v);
}

Response api_upload_picture(Ctx& ctx) {
    const auto e = apply_picture_upload(ctx, ctx.req.file("profile_picture"));
    if (!e.empty()) return api::error(e == "File size must be less than 5MB" ? 413 : 422, e);
    return api::ok(api::user_json(*ctx.user));
}

}  // namespace ems
