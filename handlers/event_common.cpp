#include "handlers/event_common.hpp"

#include "core/errors.hpp"
#include "core/pool_state.hpp"
#include "core/time.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/session.hpp"
#include "models/account.hpp"
#include "storage/file_storage.hpp"

namespace ems::event_views {

std::optional<events::Event> event_from_param(Ctx& ctx, const char* param) {
    const auto id = storage::parse_event_id(ctx.param(param));
    if (!id) return std::nullopt;
    return events::find_event(ctx.app.db(), *id);
}

bool is_owner(const Ctx& ctx, const events::Event& ev) {
    return ctx.user && ev.creator == ctx.user->uid;
}

events::Event owned_event(Ctx& ctx, const char* deny_message) {
    ctx.answer_refusals_with_redirect(url_for("dashboard"));
    auto ev = event_from_param(ctx);
    if (!ev) throw NotFound("Event not found");
    if (!is_owner(ctx, *ev)) throw Forbidden(deny_message);
    return *ev;
}

events::Outcome register_user_for(Ctx& ctx, const events::Event& ev) {
    // An event that has ended, or whose registration window is shut, takes
    // no new registrations (the PHP app took them); someone already in is
    // answered as before.
    const auto now = time::db_datetime(time::now());
    const bool ended = !ev.enddate.empty() && ev.enddate < now;
    auto why = ended ? std::string("This event has ended")
                     : events::window_refusal(events::load_settings(ctx.app, ev.id), ev, now);
    if (!why.empty() && !ctx.app.files().get_event_participants(ev.id)->contains(ctx.user->uid))
        throw Conflict(why);
    const auto o = events::register_for_event(ctx.app, ev.id, *ctx.user);
    using pool_state::Registration;
    pool_state::count_registration(o == events::Outcome::registered ? Registration::registered
                                   : o == events::Outcome::pending  ? Registration::pending
                                   : o == events::Outcome::already_registered
                                       ? Registration::already_registered
                                       : Registration::refused);
    if (o == events::Outcome::registered) mail_attendee(ctx, ev, *ctx.user, EventMail::registered);
    if (o == events::Outcome::pending) {
        mail_attendee(ctx, ev, *ctx.user, EventMail::pending);
        mail_organizer_pending(ctx, ev, ctx.user->uid);
    }
    switch (o) {
        case events::Outcome::registered:
        case events::Outcome::pending:
        // Good news: the person is in, maybe through an earlier attempt
        // whose answer they never saw.
        case events::Outcome::already_registered:
            return o;
        case events::Outcome::not_found:
            throw NotFound("Invalid event key");
        default:
            throw Conflict(events::outcome_message(o, ev.name));
    }
}

std::string person_name(const User& u, const std::string& fallback) {
    auto n = account::full_name(u.fname, u.mname, u.lname);
    return n.empty() ? fallback : n;
}

pages::Event event_view(const events::Event& ev) {
    return {.id = std::to_string(ev.id),
            .name = ev.name,
            .startdate = ev.startdate,
            .enddate = ev.enddate,
            .start_display = time::display_datetime(ev.startdate),
            .end_display = time::display_datetime(ev.enddate),
            .location = ev.location,
            .shortinfo = ev.description.empty() ? ev.shortinfo : ev.description,
            .participantcount = ev.participantcount};
}

Json::Value event_model(const events::Event& ev) {
    return pages::to_model(event_view(ev));
}

}  // namespace ems::event_views
