// Sign in, register, sign out: the PHP app's /auth routes and messages.
#include <strings.h>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "handlers/session.hpp"
#include "models/account.hpp"
#include "models/event.hpp"
#include "models/idempotency.hpp"
#include "models/password.hpp"
#include "models/throttle.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

const forms::FieldSpec login_email{"email", "Email", "email", "email"};
const forms::FieldSpec login_password{"password", "Password", "password", "current-password"};
const forms::FieldSpec reg_fields[] = {
    {"fname", "First name", "text", "given-name"},
    {"mname", "Middle name", "text", "additional-name", false},
    {"lname", "Last name", "text", "family-name"},
    {"email", "Email", "email", "email"},
    {"password", "Password (8 to 128 characters)", "password", "new-password"},
    {"confirm_password", "Confirm password", "password", "new-password"},
};

// "Sign in to register for NAME" when the place to return to is an event's
// public page (its share link or short link); "" otherwise.
std::string sign_in_purpose(Ctx& ctx) {
    const auto target = return_to(ctx);
    if (!target) return {};
    for (const std::string prefix : {"/events/register/", "/event/register/", "/e/"}) {
        if (target->size() <= prefix.size() ||
            strncasecmp(target->c_str(), prefix.c_str(), prefix.size()) != 0)
            continue;
        const auto key = events::normalize_key(target->substr(prefix.size()));
        if (!key) return {};
        try {
            if (const auto ev = events::find_event_by_key(ctx.app.db(), *key))
                return "Sign in to register for " + ev->name;
        } catch (const std::exception&) {
            // The page still works without the event's name.
        }
        return {};
    }
    return {};
}

Response login_page(Ctx& ctx, const std::string& email, const std::string& error, int status) {
    pages::Login p;
    p.layout = ctx.layout("Login");
    p.fields = {forms::field_view(login_email, email, ""),
                forms::field_view(login_password, "", "")};
    p.form_error = error;
    p.purpose = sign_in_purpose(ctx);
    return Response::html(ctx.app.views().render(p), status);
}

Response register_page(Ctx& ctx, const std::map<std::string, std::string>& errors,
                       const std::string& form_error, int status) {
    auto m = ctx.page("Register");
    for (const auto& f : reg_fields) {
        const auto it = errors.find(f.name);
        m["fields"].append(
            forms::field(f, forms::value(ctx.req, f.name), it == errors.end() ? "" : it->second));
    }
    if (!form_error.empty()) m["form_error"] = form_error;
    // Fresh on each render; a re-render after an error keeps the one sent.
    const auto sent = ctx.req.form("form_token");
    m["form_token"] = idempotency::valid_form_token(sent) ? sent : idempotency::new_form_token();
    return Response::html(ctx.app.views().render("register", m), status);
}

std::string password_problem(const std::string& pw) {
    if (!valid_utf8(pw) || pw.find('\0') != std::string::npos)
        return "Password contains unsupported characters";
    const auto n = forms::utf8_length(pw);
    if (n < 8) return "Password must be at least 8 characters long";
    if (n > 128) return "Password must be at most 128 characters long";
    return {};
}

}  // namespace

std::string check_new_password(const std::string& pw) {
    return password_problem(pw);
}

void refuse_if_throttled(Ctx& ctx, const std::string& email, const std::string& what) {
    const auto wait = account::login_wait(ctx.app, email, ctx.req.remote_addr());
    if (wait.seconds == 0) return;
    const int minutes = (wait.seconds + 59) / 60;
    throw TooManyRequests(what + (wait.by_address ? " from your network" : "") + ". Please wait " +
                              std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes") +
                              " and try again.",
                          wait.seconds);
}

Response show_login(Ctx& ctx) {
    return login_page(ctx, "", "", 200);
}

void attempt_login(Ctx& ctx, const std::string& email, const std::string& pw) {
    if (email.empty() || pw.empty()) throw Invalid("Please fill in all fields");
    const Unauthorized wrong("Invalid email or password");
    if (!forms::check_text(email).empty() || pw.size() > 4096) throw wrong;
    auto& app = ctx.app;
    const auto ip = ctx.req.remote_addr();
    refuse_if_throttled(ctx, email, "Too many failed sign-in attempts");
    const auto user = find_user_by_email(app.db(), email);
    if (!user) password::verify_dummy(pw, app.config().password_cost);
    if (!user || !password::verify(pw, user->password_hash)) {
        account::record_failure(app, email, ip);
        throw wrong;
    }
    if (app.config().require_email_verification && !user->emailverified)
        throw Unauthorized("Please verify your email address first: follow the link we sent you.");
    account::clear_pair_failures(app, email, ip);
    if (password::needs_rehash(user->password_hash, app.config().password_cost))
        app.db().exec("UPDATE user_credentials SET password = ? WHERE uid = CAST(? AS CHAR)",
                      {password::hash(pw, app.config().password_cost), user->uid});
    sign_in(ctx, user->uid);
}

Response login(Ctx& ctx) {
    ctx.answer_refusals_with_form([](Ctx& c, const HttpError& e) {
        const auto email = forms::value(c.req, "email");
        return login_page(c, forms::check_text(email).empty() ? email : "", e.what(), 422);
    });
    attempt_login(ctx, forms::value(ctx.req, "email"), ctx.req.form("password"));
    return Response::redirect(after_sign_in(ctx));
}

Response show_register(Ctx& ctx) {
    return register_page(ctx, {}, "", 200);
}

std::string attempt_register(Ctx& ctx, const Registration& r) {
    if (r.fname.empty() || r.lname.empty() || r.email.empty() || r.password.empty() ||
        r.confirm.empty())
        throw Invalid("Please fill in all fields");
    FieldErrors errors;
    for (const auto& [name, v] :
         {std::pair{"fname", r.fname}, {"mname", r.mname}, {"lname", r.lname}})
        if (auto e = forms::check_text(v); !e.empty()) errors[name] = e;
    if (!forms::valid_email(r.email)) errors["email"] = "Please enter a valid email address";
    if (auto e = password_problem(r.password); !e.empty())
        errors["password"] = e;
    else if (r.password != r.confirm)
        errors["confirm_password"] = "Passwords do not match";
    // The form's message is the first field's (in name order), as it was.
    if (!errors.empty()) throw Invalid(errors.begin()->second, errors);
    auto& app = ctx.app;
    // Before the hash and the e-mail lookup: bounds both the bcrypt work
    // and how fast "Email already exists" can be asked.
    const auto& c = app.config();
    const auto n =
        throttle::hit(app.db(), "signup", ctx.req.remote_addr(), c.signup_throttle_window);
    if (n.hits > c.signup_throttle_max)
        throw TooManyRequests("Too many sign-ups from your address. Please try again later.",
                              n.retry_after);
    account::NewUser u{r.email,
                       r.fname,
                       r.mname,
                       r.lname,
                       password::hash(r.password, app.config().password_cost),
                       random_hex(32)};
    // The sign-up page's form_token (the JSON API sends none).
    const auto sent = ctx.req.form("form_token");
    const auto token = idempotency::valid_form_token(sent) ? sent : std::string();
    const auto made = account::create_user(app, u, idempotency::token_id("signup", "", token));
    if (made.outcome == account::SignUp::email_taken)
        throw Conflict("Email already exists", {{"email", "Email already exists"}});
    if (made.outcome == account::SignUp::replayed) {
        // A double or retried submit of one form: the first submit's answer,
        // to whoever proves they sent it (same e-mail and password).
        const auto user = find_user(app.db(), made.uid);
        if (!user || to_lower(user->email) != to_lower(r.email) ||
            !password::verify(r.password, user->password_hash))
            throw Invalid("This form was already used. Please reload the page and try again.");
        if (!app.config().require_email_verification) sign_in(ctx, made.uid);
        return made.uid;
    }
    if (app.config().require_email_verification)
        send_verification_mail(ctx, u.email, u.verify_token);
    else
        sign_in(ctx, made.uid);
    return made.uid;
}

Registration registration_from(const Request& req) {
    return {forms::value(req, "fname"), forms::value(req, "mname"), forms::value(req, "lname"),
            forms::value(req, "email"), req.form("password"),       req.form("confirm_password")};
}

Response register_user(Ctx& ctx) {
    ctx.answer_refusals_with_form(
        [](Ctx& c, const HttpError& e) { return register_page(c, e.fields, e.what(), 422); });
    attempt_register(ctx, registration_from(ctx.req));
    if (ctx.app.config().require_email_verification) {
        set_flash(ctx, "success",
                  "Account created. Please check your email to verify your address, then sign in.");
        return Response::redirect(url_for("login"));
    }
    return Response::redirect(after_sign_in(ctx));
}

Response show_logout(Ctx& ctx) {
    // The PHP link still leads here, but a GET changes nothing (an <img> on
    // another site could send it): it asks, and the button POSTs with the
    // CSRF token.
    if (!ctx.user) return Response::redirect(url_for("login"));
    auto m = ctx.page("Sign out");
    m["heading"] = "Sign out?";
    m["message"] = "You are signed in as " + ctx.user->email + ".";
    m["action"] = url_for("logout_post");
    m["button"] = "Sign out";
    return Response::html(ctx.app.views().render("confirm", m));
}

Response logout(Ctx& ctx) {
    sign_out(ctx);
    return Response::redirect(url_for("login"));
}

}  // namespace ems
