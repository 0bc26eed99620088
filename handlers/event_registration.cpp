// Registering by event key and cancelling, for participants. The GET of
// /events/register/<key> (links and QR codes already shared) shows the event
// and a Register button; the POST registers.
#include "handlers/event_common.hpp"
#include "handlers/handlers.hpp"
#include "models/event_participation.hpp"

namespace ems {
namespace {

using namespace event_views;

std::optional<events::Event> event_from_key(Ctx& ctx) {
    const auto key = events::normalize_key(ctx.param("eventkey"));
    if (!key) return std::nullopt;
    return events::find_event_by_key(ctx.app.db(), *key);
}

}  // namespace

Response show_register_event(Ctx& ctx) {
    const auto ev = event_from_key(ctx);
    if (!ev) return flash_redirect(ctx, "error", "Invalid event key");
    auto m = ctx.page("Register for " + ev->name);
    m["event"] = event_model(*ev);
    const auto s = events::load_settings(ctx.app, ev->id);
    const auto list = ctx.app.files().get_event_participants(ev->id);
    if (const auto* entry = list->find(ctx.user->uid)) {
        m["heading"] = (*entry)["status"].asString() == "pending"
                           ? "Your registration is waiting for approval"
                           : "You are registered for this event";
        m["action"] = url_for("cancel_registration_post", {{"id", std::to_string(ev->id)}});
        m["button"] = "Cancel my registration";
        m["danger"] = true;
        return Response::html(ctx.app.views().render("confirm", m));
    }
    m["heading"] = "Register for this event?";
    if (!s.problem.empty())
        m["message"] = events::outcome_message(events::Outcome::unavailable, ev->name);
    else if (!s.registration_open)
        m["message"] = "Registration is closed for this event";
    else if (s.max_participants && static_cast<long long>(list->size()) >= *s.max_participants)
        m["message"] = "This event is full";
    else if (s.require_approval)
        m["message"] = "The organizer approves each registration.";
    m["action"] = url_for("register_event_post", {{"eventkey", ev->key}});
    m["button"] = "Register";
    return Response::html(ctx.app.views().render("confirm", m));
}

Response register_for_event(Ctx& ctx) {
    const auto ev = event_from_key(ctx);
    if (!ev) return flash_redirect(ctx, "error", "Invalid event key");
    const auto o = events::register_for_event(ctx.app, ev->id, *ctx.user);
    if (o == events::Outcome::not_found) return flash_redirect(ctx, "error", "Invalid event key");
    // "Already registered" is good news: the person is in, maybe through an
    // earlier attempt whose answer they never saw.
    const bool ok = o == events::Outcome::registered || o == events::Outcome::pending ||
                    o == events::Outcome::already_registered;
    return flash_redirect(ctx, ok ? "success" : "error", events::outcome_message(o, ev->name));
}

Response show_cancel_registration(Ctx& ctx) {
    const auto ev = event_from_param(ctx);
    if (!ev) return flash_redirect(ctx, "error", "Event not found");
    auto m = ctx.page("Cancel registration");
    m["event"] = event_model(*ev);
    m["heading"] = "Cancel your registration?";
    m["message"] = "Your seat goes back to the event.";
    m["action"] = url_for("cancel_registration_post", {{"id", std::to_string(ev->id)}});
    m["button"] = "Cancel my registration";
    m["danger"] = true;
    return Response::html(ctx.app.views().render("confirm", m));
}

Response cancel_registration(Ctx& ctx) {
    const auto ev = event_from_param(ctx);
    if (!ev) return flash_redirect(ctx, "error", "Event not found");
    const auto o = events::remove_participant(ctx.app, ev->id, ctx.user->uid, actor_of(*ctx.user));
    if (o == events::Outcome::done)
        return flash_redirect(ctx, "success",
                              "Your registration for " + ev->name + " has been cancelled");
    return flash_redirect(ctx, "error", events::outcome_message(o, ev->name));
}

}  // namespace ems
