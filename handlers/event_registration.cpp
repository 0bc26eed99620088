// Registering by event key and cancelling, for participants. The GET of
// /events/register/<key> (links and QR codes already shared) shows the event
// and a Register button; the POST registers.
#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/participant_status.hpp"
#include "handlers/event_common.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/event_participation.hpp"

namespace ems {
namespace {

using namespace event_views;

// The event named by the {eventkey} route parameter. Refusals on these pages answer as PHP did:
// flash + 302 /dashboard.
events::Event event_from_key(Ctx& ctx) {
    ctx.answer_refusals_with_redirect(url_for("dashboard"));
    const auto key = events::normalize_key(ctx.param("eventkey"));
    auto ev = key ? events::find_event_by_key(ctx.app.db(), *key) : std::nullopt;
    if (!ev) throw NotFound("Invalid event key");
    return *ev;
}

// The same for the {id} route parameter.
events::Event event_from_id(Ctx& ctx) {
    ctx.answer_refusals_with_redirect(url_for("dashboard"));
    auto ev = event_from_param(ctx);
    if (!ev) throw NotFound("Event not found");
    return *ev;
}

// The confirmation page `m` with its two answers: the cancel button, and
// a link that keeps the registration (the browser's confirm() had
// "OK" / "Cancel", where Cancel kept it).
Response cancel_page(Ctx& ctx, const events::Event& ev, Json::Value& m) {
    m["action"] = url_for("cancel_registration_post", {{"id", std::to_string(ev.id)}});
    m["button"] = "Cancel my registration";
    m["danger"] = true;
    m["back_url"] = url_for("dashboard");
    m["back_label"] = "Keep my registration";
    return Response::html(ctx.app.views().render("confirm", m));
}

}  // namespace

Response show_register_event(Ctx& ctx) {
    const auto ev = event_from_key(ctx);
    auto m = ctx.page("Register for " + ev.name);
    m["event"] = event_model(events::with_description(ctx.app, ev));
    const auto s = events::load_settings(ctx.app, ev.id);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    if (const auto* entry = list->find(ctx.user->uid)) {
        m["heading"] = status_of(*entry) == ParticipantStatus::pending
                           ? "Your registration is waiting for approval"
                           : "You are registered for this event";
        return cancel_page(ctx, ev, m);
    }
    m["heading"] = "Register for this event?";
    if (!s.problem.empty())
        m["message"] = events::outcome_message(events::Outcome::unavailable, ev.name);
    else if (!s.registration_open)
        m["message"] = "Registration is closed for this event";
    else if (at_capacity(list->size(), s.capacity()))
        m["message"] = "This event is full";
    else if (s.require_approval)
        m["message"] = "The organizer approves each registration.";
    m["action"] = url_for("register_event_post", {{"eventkey", ev.key}});
    m["button"] = "Register";
    return Response::html(ctx.app.views().render("confirm", m));
}

Response register_for_event(Ctx& ctx) {
    const auto ev = event_from_key(ctx);
    const auto o = register_user_for(ctx, ev);
    return flash_redirect(ctx, "success", events::outcome_message(o, ev.name));
}

// The page names the event (dates, place, description), so only its
// registered people and its owner see it; ids are sequential. Everyone
// else gets the API's answers (GET /api/events/{id}): 404 for no such
// event, 403 for one of someone else's, as error pages that show nothing
// of the event.
Response show_cancel_registration(Ctx& ctx) {
    auto found = event_from_param(ctx);
    if (!found) throw NotFound("Event not found");
    const auto& ev = *found;
    if (!is_owner(ctx, ev) && !ctx.app.files().get_event_participants(ev.id)->find(ctx.user->uid))
        throw Forbidden("You can only view events you created or registered for");
    auto m = ctx.page("Cancel registration");
    m["event"] = event_model(events::with_description(ctx.app, ev));
    m["heading"] = "Cancel your registration?";
    m["message"] = "Your seat goes back to the event.";
    return cancel_page(ctx, ev, m);
}

Response cancel_registration(Ctx& ctx) {
    const auto ev = event_from_id(ctx);
    const auto o = events::remove_participant(ctx.app, ev.id, ctx.user->uid, actor_of(*ctx.user));
    if (o != events::Outcome::done) throw NotFound(events::outcome_message(o, ev.name));
    mail_attendee(ctx, ev, *ctx.user, EventMail::cancelled);
    return flash_redirect(ctx, "success",
                          "Your registration for " + ev.name + " has been cancelled");
}

}  // namespace ems
