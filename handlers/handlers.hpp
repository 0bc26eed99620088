// Every handler, one file per resource, named verb_noun.
#pragma once
#include "fcgi/app.hpp"

namespace ems {

// handlers/health.cpp
Response show_health(Ctx& ctx);
Response show_home(Ctx& ctx);
Response test_crash(Ctx& ctx);
Response test_sleep(Ctx& ctx);

// handlers/auth.cpp
Response show_login(Ctx& ctx);
Response login(Ctx& ctx);
Response show_register(Ctx& ctx);
Response register_user(Ctx& ctx);
Response logout(Ctx& ctx);

}  // namespace ems

namespace ems {
// handlers/auth.cpp
std::string check_new_password(const std::string& pw);
// handlers/mail.cpp
void send_verification_mail(Ctx& ctx, const std::string& email, const std::string& token);
void send_reset_mail(Ctx& ctx, const std::string& email, const std::string& token);
}  // namespace ems

namespace ems {
// handlers/events.cpp
Response show_create_event(Ctx& ctx);
Response create_event(Ctx& ctx);
Response show_edit_event(Ctx& ctx);
Response edit_event(Ctx& ctx);
Response show_delete_event(Ctx& ctx);
Response delete_event(Ctx& ctx);
// handlers/event_registration.cpp
Response show_register_event(Ctx& ctx);
Response register_for_event(Ctx& ctx);
Response show_cancel_registration(Ctx& ctx);
Response cancel_registration(Ctx& ctx);
// handlers/event_participants.cpp
Response manage_event(Ctx& ctx);
Response export_participants_csv(Ctx& ctx);
Response approve_participant(Ctx& ctx);
Response decline_participant(Ctx& ctx);
Response remove_participant(Ctx& ctx);
// handlers/dashboard.cpp
Response show_dashboard(Ctx& ctx);
Response show_badges(Ctx& ctx);
// handlers/api_events.cpp
Response list_api_events(Ctx& ctx);
Response show_api_event(Ctx& ctx);
Response list_api_participants(Ctx& ctx);
Response create_api_registration(Ctx& ctx);
Response delete_api_registration(Ctx& ctx);
}  // namespace ems
