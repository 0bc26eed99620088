// Password reset and e-mail verification: reachable signed in or out.
#include "core/errors.hpp"
#include "core/text.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "handlers/session.hpp"
#include "models/account.hpp"
#include "models/password.hpp"
#include "models/profile.hpp"
#include "models/throttle.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

constexpr const char* reset_sent =
    "If an account with that email exists, a password reset link has been sent.";

Response to_login(Ctx& ctx, const std::string& type, const std::string& message) {
    return flash_redirect(ctx, type, message, url_for("login"));
}

// A refused link answers on the login page, flashed, as in PHP.
void refuse_to_login(Ctx& ctx) {
    ctx.on_refusal = [](Ctx& c, const HttpError& e) { return to_login(c, "error", e.what()); };
}

// The account the {token} of a reset link is for; an unknown, expired or
// malformed token is refused.
std::string reset_link_uid(Ctx& ctx) {
    const auto token = ctx.param("token");
    const auto uid =
        is_hex(token, 64, 64) ? profile::uid_for_reset_token(ctx.app, token) : std::nullopt;
    if (!uid) throw NotFound("Invalid or expired reset token");
    return *uid;
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

Response request_page(Ctx& ctx, const std::string& email, const std::string& error, int status) {
    auto m = ctx.page("Forgot Password");
    m["fields"].append(forms::field({"email", "Email", "email", "email"}, email, error));
    if (!error.empty()) m["form_error"] = error;
    return Response::html(ctx.app.views().render("reset_request", m), status);
}

}  // namespace

std::string request_password_reset(Ctx& ctx, const std::string& email) {
    if (!forms::valid_email(email)) throw Invalid("Please enter a valid email address");
    const auto& c = ctx.app.config();
    const auto by_address =
        throttle::hit(ctx.app.db(), "reset_ip", ctx.req.remote_addr(), c.reset_throttle_window);
    if (by_address.hits > c.reset_throttle_max)
        throw TooManyRequests(
            "Too many password reset requests from your address. Please try again later.",
            by_address.retry_after);
    // Per account, counted whether or not it exists: over the limit the
    // answer is the same and no mail goes out, so a stranger can neither
    // flood a mailbox nor learn who has an account.
    const auto by_account =
        throttle::hit(ctx.app.db(), "reset_account", to_lower(email), c.reset_throttle_window);
    if (by_account.hits > c.reset_account_max) return reset_sent;
    if (const auto user = find_user_by_email(ctx.app.db(), email)) {
        const auto token = random_hex(32);
        profile::set_reset_token(ctx.app, user->uid, token);
        send_reset_mail(ctx, user->email, token);
    }
    // The same answer either way: the form must not tell who has an account.
    return reset_sent;
}

Response show_reset_request(Ctx& ctx) {
    return request_page(ctx, "", "", 200);
}

Response reset_request(Ctx& ctx) {
    // The form's one field carries the message too.
    ctx.answer_refusals_with_form([](Ctx& c, const HttpError& e) {
        const auto email = forms::value(c.req, "email");
        return request_page(c, forms::check_text(email).empty() ? email : "", e.what(), 422);
    });
    return to_login(ctx, "success", request_password_reset(ctx, forms::value(ctx.req, "email")));
}

Response show_reset_password(Ctx& ctx) {
    refuse_to_login(ctx);
    reset_link_uid(ctx);
    return reset_form(ctx, "", 200);
}

Response reset_password(Ctx& ctx) {
    refuse_to_login(ctx);
    const auto uid = reset_link_uid(ctx);
    ctx.answer_refusals_with_form(
        [](Ctx& c, const HttpError& e) { return reset_form(c, e.what(), 422); });
    const auto pw = ctx.req.form("password");
    if (pw != ctx.req.form("confirm_password")) throw Invalid("Passwords do not match");
    if (auto e = check_new_password(pw); !e.empty()) throw Invalid(e);
    profile::set_password(ctx.app, uid, password::hash(pw, ctx.app.config().password_cost));
    profile::clear_reset_token(ctx.app, uid);
    // The owner proved the mailbox: every address may try again at once.
    if (const auto user = find_user(ctx.app.db(), uid))
        account::clear_failures(ctx.app, user->email);
    // The link came by mail: the address is proved, as by a verification
    // link (which expires; this is the way back after it did).
    profile::mark_email_verified(ctx.app, uid);
    ctx.app.db().exec("DELETE FROM ems_sessions WHERE uid = ?", {uid});
    profile::revoke_all_api_tokens(ctx.app, uid);
    if (ctx.user && ctx.user->uid == uid) sign_out(ctx);
    return to_login(ctx, "success",
                    "Password reset successful! You can now login with your new password.");
}

Response verify_email(Ctx& ctx) {
    refuse_to_login(ctx);
    const auto token = ctx.param("token");
    if (!is_hex(token, 16, 64) || !profile::verify_email(ctx.app, token))
        throw NotFound("Invalid verification token");
    return to_login(ctx, "success", "Email verified successfully! You can now login.");
}

}  // namespace ems
