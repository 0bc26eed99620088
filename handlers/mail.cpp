// The two mails the account pages send: verification and password reset.
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "models/mailer.hpp"

namespace ems {

void send_verification_mail(Ctx& ctx, const std::string& email, const std::string& token) {
    const auto& c = ctx.app.config();
    mail::send(c, {email, "Verify your email address",
                   "Welcome to " + c.site_name +
                       ".\r\n\r\nPlease verify your address by "
                       "opening:\r\n" +
                       c.base_url + url_for("verify_email", {{"token", token}}) + "\r\n"});
}

void send_reset_mail(Ctx& ctx, const std::string& email, const std::string& token) {
    const auto& c = ctx.app.config();
    mail::send(c, {email, "Reset your password",
                   "Someone asked to reset the password of your account.\r\n\r\nTo choose a new "
                   "password, open "
                   "this link within one hour:\r\n" +
                       c.base_url + url_for("reset_password", {{"token", token}}) +
                       "\r\n\r\nIf it was not you, ignore this message.\r\n"});
}

}  // namespace ems
