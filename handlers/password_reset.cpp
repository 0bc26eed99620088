// Password reset and e-mail verification: reachable signed in or out.
#include "core/text.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "handlers/session.hpp"
#include "models/password.hpp"
#include "models/profile.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

bool hex_token(const std::string& t, std::size_t min_len, std::size_t max_len) {
    if (t.size() < min_len || t.size() > max_len) return false;
    for (char c : t)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

Response to_login(Ctx& ctx, const std::string& type, const std::string& message) {
    set_flash(ctx, type, message);
    return Response::redirect(url_for("login"));
}

Response reset_form(Ctx& ctx, const std::string& error, int status) {
    auto m = ctx.page("Reset Password");
    m["action"] = url_for("reset_password_post", {{"token", ctx.param("token")}});
    m["fields"].append(forms::field(
        {"password", "New password (8 to 128 characters)", "password", "new-password"}, "", ""));
    m["fields"].append(forms::field(
        {"confirm_password", "Confirm new password", "password", "new-password"}, "", ""));
    if (!error.empty()) m["form_error"] = error;
    return Response::html(ctx.app.views().render("reset_password", m), status);
}

}  // namespace

Response show_reset_request(Ctx& ctx) {
    auto m = ctx.page("Forgot Password");
    m["fields"].append(forms::field({"email", "Email", "email", "email"}, "", ""));
    return Response::html(ctx.app.views().render("reset_request", m));
}

Response reset_request(Ctx& ctx) {
    const auto email = forms::value(ctx.req, "email");
    if (!forms::valid_email(email)) {
        auto m = ctx.page("Forgot Password");
        m["fields"].append(forms::field({"email", "Email", "email", "email"},
                                        forms::check_text(email).empty() ? email : "",
                                        "Please enter a valid email address"));
        m["form_error"] = "Please enter a valid email address";
        return Response::html(ctx.app.views().render("reset_request", m), 422);
    }
    if (const auto user = find_user_by_email(ctx.app.db(), email)) {
        const auto token = random_hex(32);
        profile::set_reset_token(ctx.app, user->uid, token);
        send_reset_mail(ctx, user->email, token);
    }
    // The same answer either way: the form must not tell who has an account.
    return to_login(ctx, "success",
                    "If an account with that email exists, a password reset link has been sent.");
}

Response show_reset_password(Ctx& ctx) {
    const auto token = ctx.param("token");
    if (!hex_token(token, 64, 64) || !profile::uid_for_reset_token(ctx.app, token))
        return to_login(ctx, "error", "Invalid or expired reset token");
    return reset_form(ctx, "", 200);
}

Response reset_password(Ctx& ctx) {
    const auto token = ctx.param("token");
    const auto uid =
        hex_token(token, 64, 64) ? profile::uid_for_reset_token(ctx.app, token) : std::nullopt;
    if (!uid) return to_login(ctx, "error", "Invalid or expired reset token");
    const auto pw = ctx.req.form("password");
    if (pw != ctx.req.form("confirm_password"))
        return reset_form(ctx, "Passwords do not match", 422);
    if (auto e = check_new_password(pw); !e.empty()) return reset_form(ctx, e, 422);
    profile::set_password(ctx.app, *uid, password::hash(pw, ctx.app.config().password_cost));
    profile::clear_reset_token(ctx.app, *uid);
    ctx.app.db().exec("DELETE FROM ems_sessions WHERE uid = ?", {*uid});
    if (ctx.user && ctx.user->uid == *uid) sign_out(ctx);
    return to_login(ctx, "success",
                    "Password reset successful! You can now login with your new password.");
}

Response verify_email(Ctx& ctx) {
    const auto token = ctx.param("token");
    if (!hex_token(token, 16, 64) || !profile::verify_email(ctx.app, token))
        return to_login(ctx, "error", "Invalid verification token");
    return to_login(ctx, "success", "Email verified successfully! You can now login.");
}

}  // namespace ems
