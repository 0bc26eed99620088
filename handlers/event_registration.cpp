// Registering by event key and cancelling, for participants. The GET of
// /events/register/<key> (links and QR codes already shared) shows the event
// and a Register button; the POST registers.
#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/participant_status.hpp"
#include "core/time.hpp"
#include "handlers/event_common.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/account.hpp"
#include "models/event_participation.hpp"
#include "models/user.hpp"
#include "views/ical.hpp"

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

struct PublicState {
    bool open = false, past = false;
    std::string label, reason, seats;
};

// What the public page says of the event: open, or why not.
PublicState public_state(const events::Event& ev, const events::Settings& s, std::size_t count) {
    PublicState st;
    const auto now = time::db_datetime(time::now());
    st.past = !ev.enddate.empty() && ev.enddate < now;
    const bool full = at_capacity(count, s.capacity());
    const auto window = events::window_refusal(s, ev, now);
    if (!s.problem.empty()) {
        st.label = "Unavailable";
        st.reason = events::outcome_message(events::Outcome::unavailable, ev.name);
    } else if (st.past) {
        st.label = "Past event";
        st.reason = "This event has ended";
    } else if (!window.empty()) {
        st.label = !s.opens.empty() && now < s.opens ? "Not open yet" : "Registration closed";
        st.reason = window;
    } else if (!s.registration_open) {
        st.label = "Registration closed";
        st.reason = events::outcome_message(events::Outcome::closed, ev.name);
    } else if (full) {
        st.label = "Full";
        st.reason = events::outcome_message(events::Outcome::full, ev.name);
    } else {
        st.open = true;
        st.label = "Registration open";
        if (const auto cap = s.capacity())
            st.seats = std::to_string(*cap - count) + " of " + std::to_string(*cap) +
                       (*cap == 1 ? " place" : " places") + " left";
        if (!s.closes.empty())
            st.seats += (st.seats.empty() ? "" : "; ") + std::string("registration closes on ") +
                        time::display_datetime(s.closes);
    }
    return st;
}

}  // namespace

ical::Event ical_event(const events::Event& ev, const Config& c) {
    // The UID names the event and the site, never a database id alone, so
    // a calendar updates the same entry when the file is opened again.
    auto host = c.base_url;
    if (const auto scheme = host.find("://"); scheme != std::string::npos)
        host = host.substr(scheme + 3);
    host = host.substr(0, host.find_first_of("/:"));
    return {"event-" + ev.key + "@" + (host.empty() ? "ems" : host),
            ev.name,
            ev.description.empty() ? ev.shortinfo : ev.description,
            ev.location,
            c.base_url + url_for("register_event", {{"eventkey", ev.key}}),
            ev.startdate,
            ev.enddate,
            false,
            c.time_zone};
}

// The event's public page, at its share link and /e/<key>: what, when,
// where, who organizes it, its state, "Add to calendar", and one action:
// signed out, sign in (which comes back here); signed in, Register, or
// Cancel my registration, or the reason neither is possible (no button for
// what cannot be done). It shows nothing of the participants.
Response show_register_event(Ctx& ctx) {
    // Signed in, an unknown key answers as PHP did (flash, dashboard); signed
    // out, it is a 404 page.
    if (ctx.user) ctx.answer_refusals_with_redirect(url_for("dashboard"));
    const auto key = events::normalize_key(ctx.param("eventkey"));
    const auto found = key ? events::find_event_by_key(ctx.app.db(), *key) : std::nullopt;
    if (!found) throw NotFound("Invalid event key");
    const auto ev = events::with_description(ctx.app, *found);
    const auto s = events::load_settings(ctx.app, ev.id);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    const auto state = public_state(ev, s, list->size());
    auto m = ctx.page(ev.name);
    auto event = event_model(ev);
    if (const auto organizer = find_user(ctx.app.db(), ev.creator))
        event["organizer"] = person_name(*organizer, "the organizer");
    event["status_label"] = state.label;
    event["status_tag"] = state.open ? "ok" : "warn";
    if (!state.seats.empty()) event["seats"] = state.seats;
    m["event"] = event;
    const std::map<std::string, std::string> by_key{{"eventkey", ev.key}};
    m["calendar_url"] = url_for("event_ics", by_key);
    m["og_title"] = ev.name;
    m["og_description"] = event["start_display"].asString() + ", " + ev.location;
    m["og_url"] = ctx.app.config().base_url + url_for("register_event", by_key);
    const auto* entry = ctx.user ? list->find(ctx.user->uid) : nullptr;
    if (entry) {
        m["note"] = status_of(*entry) == ParticipantStatus::pending
                        ? "Your registration is waiting for approval"
                        : "You are registered for this event";
        if (!state.past)
            m["cancel_url"] = url_for("cancel_registration", {{"id", std::to_string(ev.id)}});
    } else if (!state.open) {
        m["note"] = state.reason;
    } else if (!ctx.user) {
        remember_return_to(ctx);
        m["signed_out"] = true;
        if (s.require_approval) m["note"] = "The organizer approves each registration.";
    } else {
        m["can_register"] = true;
        m["register_action"] = url_for("register_event_post", by_key);
        if (s.require_approval) m["note"] = "The organizer approves each registration.";
    }
    return Response::html(ctx.app.views().render("event_public", m));
}

// The event as a calendar file (views/ical), for anyone with the link.
Response show_event_ics(Ctx& ctx) {
    const auto key = events::normalize_key(ctx.param("eventkey"));
    const auto found = key ? events::find_event_by_key(ctx.app.db(), *key) : std::nullopt;
    if (!found) throw NotFound("Invalid event key");
    const auto ev = events::with_description(ctx.app, *found);
    const auto& c = ctx.app.config();
    auto res = Response::text(ical::calendar({ical_event(ev, c)}, c.site_name),
                              "text/calendar; charset=utf-8");
    res.set_header("Content-Disposition",
                   "attachment; filename=\"" + ical::file_name(ev.name) + "\"");
    return res;
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
