// Helpers shared by the event handlers (events.cpp, event_registration.cpp,
// event_participants.cpp, dashboard.cpp, api_events.cpp).
#pragma once
#include <optional>
#include <string>

#include "handlers/app.hpp"
#include "models/event.hpp"

namespace ems::event_views {

// Flash, then 302 (Post/Redirect/Get and the PHP error redirects).
Response flash_redirect(Ctx& ctx, const std::string& type, const std::string& message,
                        const std::string& to = "/dashboard");
// The event named by the {id} route parameter; nullopt when the id is
// malformed or unknown (both are "Event not found").
std::optional<events::Event> event_from_param(Ctx& ctx, const char* param = "id");
// The event if the signed-in user created it; otherwise fills `bail` with
// the PHP answer ("Event not found" or deny_message, 302 /dashboard).
std::optional<events::Event> owned_event(Ctx& ctx, const char* deny_message, Response& bail);
bool is_owner(const Ctx& ctx, const events::Event& ev);
// A view model of an event for templates (escaped there) and the API.
Json::Value event_model(const events::Event& ev);
// "1 Dec 2026, 09:00" from "2026-12-01 09:00:00".
std::string display_datetime(const std::string& db_value);

}  // namespace ems::event_views

namespace ems {

// A cell of the participants CSV export (event_participants.cpp): quoted,
// quotes doubled, a leading formula character neutralised with an apostrophe.
std::string csv_cell(const std::string& v);

}  // namespace ems
