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
