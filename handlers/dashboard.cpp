// The dashboard and the badges page. Their cost depends only on the user's
// own events: created events by the indexed eventcreator, attended events
// by the ids in the user's attended list, counts from participantcount
// (kept equal to the files), never a scan of every participants file.
//
// /dashboard/<unknown> answers 404: PHP rendered the dashboard for any
// unknown sub-page, which is how a relative stylesheet URL ate pending
// flash messages (transcript #93).
//
// One event's damaged or unreadable participant list costs only that row
// its status ("status unavailable"), never the page: the event's own pages
// answer 503 until an operator repairs the list.
#include <set>

#include "core/log.hpp"
#include "core/participant_status.hpp"
#include "handlers/event_common.hpp"
#include "handlers/handlers.hpp"
#include "models/event.hpp"

namespace ems {
namespace {

using namespace event_views;

// Each damaged list is logged once per worker, not on every dashboard view
// of each of its participants.
void log_unreadable_once(std::int64_t event_id, const std::string& cause) {
    static std::set<std::string> logged;
    if (logged.size() > 1024) logged.clear();
    if (logged.insert(std::to_string(event_id) + " " + cause).second)
        log::error("dashboard: event " + std::to_string(event_id) +
                   " shown without a status: " + cause);
}

std::vector<pages::AttendedEvent> attended_events(Ctx& ctx) {
    std::vector<pages::AttendedEvent> out;
    const auto ids = events::parse_attended(ctx.user->attendedevents);
    for (const auto& ev : events::events_by_ids(ctx.app.db(), ids)) {
        pages::AttendedEvent a{
            .event = event_view(ev),
            .page_url = url_for("register_event", {{"eventkey", ev.key}}),
            .cancel_url = url_for("cancel_registration", {{"id", std::to_string(ev.id)}})};
        try {
            // One cached file read per attended event, for the status.
            const auto list = ctx.app.files().get_event_participants(ev.id);
            const auto* entry = list->find(ctx.user->uid);
            if (!entry) continue;  // left behind by a crash; `ems-admin check` repairs the list
            a.pending = status_of(*entry) == ParticipantStatus::pending;
        } catch (const storage::StorageError& e) {
            log_unreadable_once(ev.id, e.what());
            a.status_unavailable = true;
        }
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace

Response show_dashboard(Ctx& ctx) {
    pages::Dashboard p;
    p.layout = ctx.layout("Dashboard");
    p.fullname = ctx.user->fullname.empty() ? ctx.user->fname : ctx.user->fullname;
    for (const auto& ev : events::events_created_by(ctx.app.db(), ctx.user->uid)) {
        const std::map<std::string, std::string> id{{"id", std::to_string(ev.id)}};
        p.created.push_back({event_view(ev), url_for("edit_event", id), url_for("manage_event", id),
                             url_for("delete_event", id)});
        p.participants += ev.participantcount;
    }
    p.attended = attended_events(ctx);
    return Response::html(ctx.app.views().render(p));
}

Response show_badges(Ctx& ctx) {
    pages::Badges p;
    p.layout = ctx.layout("My Badges");
    p.badges = attended_events(ctx);
    return Response::html(ctx.app.views().render(p));
}

}  // namespace ems
