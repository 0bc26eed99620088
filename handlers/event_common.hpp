// Helpers shared by the event handlers (events.cpp, event_registration.cpp,
// event_participants.cpp, dashboard.cpp, api_events.cpp).
#pragma once
#include <optional>
#include <string>

#include "handlers/app.hpp"
#include "handlers/router.hpp"
#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "views/ical.hpp"

namespace ems::event_views {

// The event named by the {id} route parameter; nullopt when the id is
// malformed or unknown (both are "Event not found").
std::optional<events::Event> event_from_param(Ctx& ctx, const char* param = "id");
// The event if the signed-in user created it; otherwise throws NotFound
// ("Event not found") or Forbidden (deny_message), which the HTML pages
// answer as PHP did: flash + 302 /dashboard.
events::Event owned_event(Ctx& ctx, const char* deny_message);
bool is_owner(const Ctx& ctx, const events::Event& ev);
// Registers the signed-in user for ev: registered, pending or (a success
// too) already_registered; a refusal throws NotFound ("Invalid event key")
// or Conflict (full, closed, unavailable) with the outcome's message.
events::Outcome register_user_for(Ctx& ctx, const events::Event& ev);
// A person's full name, or `fallback` when the account has none.
std::string person_name(const User& u, const std::string& fallback);
// An event as the pages show it (escaped by the templates).
pages::Event event_view(const events::Event& ev);
// The same as template data, and the start of the API's event object.
Json::Value event_model(const events::Event& ev);

}  // namespace ems::event_views

namespace ems {

// A cell of the participants CSV export (event_participants.cpp): quoted,
// quotes doubled, a leading formula character neutralised with an apostrophe.
std::string csv_cell(const std::string& v);
// The event as a calendar entry (event_registration.cpp): UID
// event-<key>@<base_url's host>, the public page as URL, the whole description.
ical::Event ical_event(const events::Event& ev, const Config& c);

}  // namespace ems
