// Sessions (server-side, in ems_sessions, shared by every worker and host),
// the access gate, CSRF checks and flash messages.
//
// A session row exists only for a signed-in user. Anonymous forms carry a
// double-submit CSRF token (cookie ems_csrf + hidden field), and flash
// messages travel in a short-lived cookie, so a visitor who only reads
// pages creates no server state.
#pragma once
#include <optional>
#include <string>

#include "handlers/app.hpp"

namespace ems {

inline constexpr const char* session_cookie = "ems_session";
inline constexpr const char* csrf_cookie = "ems_csrf";
inline constexpr const char* flash_cookie = "ems_flash";
inline constexpr const char* next_cookie = "ems_next";

void load_session(Ctx& ctx);
// A redirect when the route's access rule sends the visitor elsewhere.
std::optional<Response> check_access(Ctx& ctx);
// Throws Forbidden on a state-changing request without a valid token.
void check_csrf(Ctx& ctx);
// What can be refused before the body (which holds a form's token) is read:
// a request from another site, and one that needs a token while the
// visitor has neither a session nor the anonymous CSRF cookie, so that
// nobody can make a worker read and parse a body without them.
void check_csrf_before_body(Ctx& ctx);
// The token to put in forms: the session's, or the anonymous cookie's.
const std::string& csrf_token(Ctx& ctx);
// Cookies and cache headers for the response; consumes a shown flash.
void finish_session(Ctx& ctx, Response& res);

void set_flash(Ctx& ctx, const std::string& type, const std::string& message);
// Flash, then 302 to `to` (Post/Redirect/Get, and the PHP error redirects;
// the PHP app sent most answers to the dashboard).
Response flash_redirect(Ctx& ctx, const std::string& type, const std::string& message,
                        const std::string& to = url_for("dashboard"));
// True for a path on this site ("/x?y"), never "//host" or a scheme.
bool safe_local_path(const std::string& p);
// Where to go after signing in: the page the gate turned the visitor away
// from (once), else /dashboard.
std::string after_sign_in(Ctx& ctx);
// This GET's path as the place to go after signing in (the gate does it for
// pages that need a user; a public event page does it for its visitors).
void remember_return_to(Ctx& ctx);
// That place, when one is remembered and safe; the cookie stays.
std::optional<std::string> return_to(const Ctx& ctx);
// Starts a session for uid under a new id (the old one, if any, is dropped).
void sign_in(Ctx& ctx, const std::string& uid);
void sign_out(Ctx& ctx);
// Ends every session of uid except the current one.
void end_other_sessions(Ctx& ctx, const std::string& uid);

}  // namespace ems
