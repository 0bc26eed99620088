// Every handler, one file per resource, named verb_noun.
#pragma once
#include <map>
#include <string>

#include "handlers/app.hpp"

namespace ems {

// handlers/health.cpp
Response show_health(Ctx& ctx);
Response show_home(Ctx& ctx);
Response show_events_list(Ctx& ctx);
Response show_events_feed(Ctx& ctx);
Response test_crash(Ctx& ctx);
Response test_sleep(Ctx& ctx);
Response test_header(Ctx& ctx);
Response test_stream(Ctx& ctx);

// handlers/auth.cpp
Response show_login(Ctx& ctx);
Response login(Ctx& ctx);
Response show_register(Ctx& ctx);
Response register_user(Ctx& ctx);
Response show_logout(Ctx& ctx);
Response logout(Ctx& ctx);
struct Registration {
    std::string fname, mname, lname, email, password, confirm;
};
// Signs in, or throws Invalid (a field missing), Unauthorized (wrong or
// unverified) or TooManyRequests (throttled).
void attempt_login(Ctx& ctx, const std::string& email, const std::string& password);
// The new account's uid (signed in unless e-mail verification is on), or
// throws Invalid with the fields' messages, or Conflict (e-mail taken).
std::string attempt_register(Ctx& ctx, const Registration& r);
// "" when pw is acceptable as a new password, else why not.
std::string check_new_password(const std::string& pw);
// Throws TooManyRequests ("<what>. Please wait N minutes...", Retry-After)
// while the (email, this address) pair or the address is throttled
// (account::login_wait): sign-in and the current password on a change.
void refuse_if_throttled(Ctx& ctx, const std::string& email, const std::string& what);

// handlers/profile.cpp (apply_*: the change made, or Invalid; a wrong current
// password is Forbidden, a picture over 5 MB PayloadTooLarge)
std::string picture_url(const std::string& file_name);
Response show_profile(Ctx& ctx);
Response update_profile(Ctx& ctx);
Response change_password(Ctx& ctx);
Response upload_profile_picture(Ctx& ctx);
Response create_api_token(Ctx& ctx);
Response revoke_api_token(Ctx& ctx);
Response update_notifications(Ctx& ctx);
void apply_profile_update(Ctx& ctx, const std::string& f, const std::string& m,
                          const std::string& l);
void apply_password_change(Ctx& ctx, const std::string& current, const std::string& next,
                           const std::string& confirm);
void apply_picture_upload(Ctx& ctx, const UploadedFile* file);

// handlers/password_reset.cpp
Response show_reset_request(Ctx& ctx);
Response reset_request(Ctx& ctx);
Response show_reset_password(Ctx& ctx);
Response reset_password(Ctx& ctx);
Response verify_email(Ctx& ctx);
// Mails a reset link if the address has an account; returns what to tell
// the visitor, the same either way. Throws Invalid for a malformed address.
std::string request_password_reset(Ctx& ctx, const std::string& email);

// handlers/api_account.cpp
Response api_login(Ctx& ctx);
Response api_logout(Ctx& ctx);
Response api_register(Ctx& ctx);
Response api_show_me(Ctx& ctx);
Response api_update_me(Ctx& ctx);
Response api_change_password(Ctx& ctx);
Response api_upload_picture(Ctx& ctx);
Response api_reset_request(Ctx& ctx);

// handlers/mail.cpp
void send_verification_mail(Ctx& ctx, const std::string& email, const std::string& token);
void send_reset_mail(Ctx& ctx, const std::string& email, const std::string& token);

// handlers/events.cpp
Response show_create_event(Ctx& ctx);
Response show_duplicate_event(Ctx& ctx);
Response create_event(Ctx& ctx);
Response show_edit_event(Ctx& ctx);
Response edit_event(Ctx& ctx);
Response show_delete_event(Ctx& ctx);
Response delete_event(Ctx& ctx);

// handlers/event_registration.cpp
Response show_register_event(Ctx& ctx);
Response show_event_ics(Ctx& ctx);
Response register_for_event(Ctx& ctx);
Response show_cancel_registration(Ctx& ctx);
Response cancel_registration(Ctx& ctx);

// handlers/event_participants.cpp
Response manage_event(Ctx& ctx);
Response export_participants_csv(Ctx& ctx);
Response approve_participant(Ctx& ctx);
Response show_decline_participant(Ctx& ctx);
Response decline_participant(Ctx& ctx);
Response remove_participant(Ctx& ctx);

// handlers/dashboard.cpp
Response show_dashboard(Ctx& ctx);
Response show_badges(Ctx& ctx);

// handlers/api_events.cpp
Response list_api_events(Ctx& ctx);
Response create_api_event(Ctx& ctx);
Response update_api_event(Ctx& ctx);
Response show_api_event(Ctx& ctx);
Response list_api_participants(Ctx& ctx);
Response create_api_registration(Ctx& ctx);
Response delete_api_registration(Ctx& ctx);

}  // namespace ems
