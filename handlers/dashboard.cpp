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

Json::Value attended_events(Ctx& ctx) {
    Json::Value out(Json::arrayValue);
    const auto ids = events::parse_attended(ctx.user->attendedevents);
    for (const auto& ev : events::events_by_ids(ctx.app.db(), ids)) {
        auto m = event_model(ev);
        m["cancel_url"] = "/events/cancel/" + std::to_string(ev.id);
        try {
            // One cached file read per attended event, for the status.
            const auto list = ctx.app.files().get_event_participants(ev.id);
            const auto* entry = list->find(ctx.user->uid);
            if (!entry) continue;  // left behind by a crash; `ems-admin check` repairs the list
            m["pending"] = status_of(*entry) == ParticipantStatus::pending;
        } catch (const storage::StorageError& e) {
            log_unreadable_once(ev.id, e.what());
            m["status_unavailable"] = true;
        }
        out.append(std::move(m));
    }
    return out;
}

}  // namespace

Response show_dashboard(Ctx& ctx) {
    auto m = ctx.page("Dashboard");
    m["fullname"] = ctx.user->fullname.empty() ? ctx.user->fname : ctx.user->fullname;
    Json::Value created(Json::arrayValue);
    long long total = 0;
    for (const auto& ev : events::events_created_by(ctx.app.db(), ctx.user->uid)) {
        auto e = event_model(ev);
        const auto id = std::to_string(ev.id);
        e["edit_url"] = "/events/edit/" + id;
        e["manage_url"] = "/events/manage/" + id;
        e["delete_url"] = "/events/delete/" + id;
        total += ev.participantcount;
        created.append(std::move(e));
    }
    auto attended = attended_events(ctx);
    // Moved, not copied: the lists are most of the page's model.
    m["has_created"] = !created.empty();
    m["has_attended"] = !attended.empty();
    m["stats"]["created"] = static_cast<Json::UInt64>(created.size());
    m["stats"]["registrations"] = static_cast<Json::UInt64>(attended.size());
    m["stats"]["participants"] = static_cast<Json::Int64>(total);
    m["created"] = std::move(created);
    m["attended"] = std::move(attended);
    return Response::html(ctx.app.views().render("dashboard", m));
}

Response show_badges(Ctx& ctx) {
    auto m = ctx.page("My Badges");
    auto attended = attended_events(ctx);
    m["has_badges"] = !attended.empty();
    m["badges"] = std::move(attended);
    return Response::html(ctx.app.views().render("badges", m));
}

}  // namespace ems
