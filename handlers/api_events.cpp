// The JSON API for events: the same rules and messages as the HTML pages,
// with errors as {"error": "..."} (handlers/dispatch.cpp) and status codes
// instead of flash + redirect: 404 unknown, 403 not yours, 409 a state that
// refuses the change (full, closed), 422 invalid input with "fields".
#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/participant_status.hpp"
#include "handlers/api_common.hpp"
#include "handlers/event_common.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/handlers.hpp"
#include "models/event_participation.hpp"
#include "models/idempotency.hpp"
#include "storage/file_storage.hpp"

namespace ems {
namespace {

using namespace event_views;

Json::Value settings_json(const events::Settings& s) {
    Json::Value v(Json::objectValue);
    v["registration_open"] = s.registration_open;
    v["max_participants"] = s.max_participants
                                ? Json::Value(static_cast<Json::Int64>(*s.max_participants))
                                : Json::Value();
    v["require_approval"] = s.require_approval;
    v["listed"] = s.listed;
    v["registration_opens"] = s.opens.empty() ? Json::Value() : Json::Value(s.opens);
    v["registration_closes"] = s.closes.empty() ? Json::Value() : Json::Value(s.closes);
    v["close_at_start"] = s.close_at_start;
    if (!s.problem.empty()) v["problem"] = s.problem;
    return v;
}

Json::Value api_event(const events::Event& ev) {
    auto v = event_model(ev);
    v.removeMember("start_display");
    v.removeMember("end_display");
    v["id"] = static_cast<Json::Int64>(ev.id);
    // shortinfo: the PHP column (255 characters, one line); description:
    // the whole text, when it was read (with_description).
    v["shortinfo"] = ev.shortinfo;
    v["description"] = ev.description.empty() ? ev.shortinfo : ev.description;
    return v;
}

events::Event event_or_404(Ctx& ctx) {
    auto ev = event_from_param(ctx);
    if (!ev) throw NotFound("Event not found");
    return *ev;
}

events::Event event_by_key_or_404(Ctx& ctx) {
    const auto key = events::normalize_key(ctx.param("key"));
    auto ev = key ? events::find_event_by_key(ctx.app.db(), *key) : std::nullopt;
    if (!ev) throw NotFound("Invalid event key");
    return *ev;
}

Json::Value owner_json(Ctx& ctx, const events::Event& ev) {
    auto v = api_event(ev);
    v["eventkey"] = ev.key;
    v["settings"] = settings_json(events::load_settings(ctx.app, ev.id));
    return v;
}

// The event fields of a JSON body (wrong types are field errors) or of a
// form body (the HTML form's rules). Absent settings come from `base`.
events::FormResult event_input(Ctx& ctx, const events::Settings& base,
                               const events::Event* current) {
    if (ctx.req.content_type().rfind("application/json", 0) == 0)
        return events::validate_event_json(api::body(ctx), base, current);
    std::map<std::string, std::string> raw;
    for (const auto& [k, v] : ctx.req.form_fields()) raw[k] = v;  // the last value of each name
    return events::validate_event_form(raw, base);
}

std::size_t positive_query(const Ctx& ctx, const char* name, std::size_t fallback,
                           std::size_t max) {
    const auto q = ctx.req.query(name);
    if (q.empty()) return fallback;
    // Below 10^9: what a client can mean; more is a mistake worth a 400.
    const auto n = parse_positive(q);
    if (!n || *n >= 1000000000) throw BadRequest(std::string(name) + " must be a positive integer");
    return std::min<std::size_t>(*n, max);
}

}  // namespace

Response list_api_events(Ctx& ctx) {
    Json::Value v(Json::objectValue);
    v["created"] = Json::Value(Json::arrayValue);
    v["attended"] = Json::Value(Json::arrayValue);
    for (const auto& ev : events::events_created_by(ctx.app.db(), ctx.user->uid)) {
        auto e = api_event(ev);
        e["eventkey"] = ev.key;
        v["created"].append(e);
    }
    const auto ids = events::parse_attended(ctx.user->attendedevents);
    for (const auto& ev : events::events_by_ids(ctx.app.db(), ids)) {
        const auto list = ctx.app.files().get_event_participants(ev.id);
        const auto* entry = list->find(ctx.user->uid);
        if (!entry) continue;
        auto e = api_event(ev);
        e["status"] = (*entry)["status"];
        v["attended"].append(e);
    }
    return Response::json(v);
}

// POST /api/events: 201 with the event; with an Idempotency-Key already
// used by this user, 200 with the event the first call made.
Response create_api_event(Ctx& ctx) {
    const auto key = ctx.req.header("Idempotency-Key");
    if (!key.empty() && !idempotency::valid_api_key(key))
        throw BadRequest("Idempotency-Key must be 1 to 128 characters from A-Z a-z 0-9 . _ : -");
    const auto r = event_input(ctx, events::Settings{}, nullptr);
    if (!r.errors.empty()) throw Invalid(r.form_error, r.errors);
    const auto made = events::create_event(
        ctx.app, r.input, *ctx.user, idempotency::token_id("api_event_create", ctx.user->uid, key));
    const auto ev = events::find_event(ctx.app.db(), made.id);
    if (!ev) throw NotFound("Event not found");  // deleted since the first call
    return Response::json(owner_json(ctx, *ev), made.replayed ? 200 : 201);
}

// PATCH /api/events/{id}: what the body names changes, the rest stays.
Response update_api_event(Ctx& ctx) {
    const auto ev = events::with_description(ctx.app, event_or_404(ctx));
    if (!is_owner(ctx, ev)) throw Forbidden("You can only edit your own events");
    auto base = events::load_settings(ctx.app, ev.id);
    if (!base.problem.empty()) base = events::Settings{};
    const auto r = event_input(ctx, base, &ev);
    if (!r.errors.empty()) throw Invalid(r.form_error, r.errors);
    events::update_event(ctx.app, ev, r.input, *ctx.user);
    mail_if_plans_changed(ctx, ev, r.input);
    return Response::json(owner_json(
        ctx, events::with_description(ctx.app, *events::find_event(ctx.app.db(), ev.id))));
}

Response show_api_event(Ctx& ctx) {
    const auto ev = events::with_description(ctx.app, event_or_404(ctx));
    if (is_owner(ctx, ev)) return Response::json(owner_json(ctx, ev));
    auto v = api_event(ev);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    const auto* entry = list->find(ctx.user->uid);
    if (!entry) throw Forbidden("You can only view events you created or registered for");
    v["status"] = (*entry)["status"];
    return Response::json(v);
}

Response list_api_participants(Ctx& ctx) {
    const auto ev = event_or_404(ctx);
    if (!is_owner(ctx, ev)) throw Forbidden("You can only manage your own events");
    const auto per_page = positive_query(ctx, "per_page", 100, 1000);
    const auto page = positive_query(ctx, "page", 1, 1000000000);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    Json::Value v(Json::objectValue);
    v["total"] = static_cast<Json::UInt64>(list->size());
    v["page"] = static_cast<Json::UInt64>(page);
    v["per_page"] = static_cast<Json::UInt64>(per_page);
    v["participants"] = Json::Value(Json::arrayValue);
    const auto paging = paginate(list->size(), per_page, page, PastEnd::empty);
    std::size_t i = 0;
    for (const auto& [uid, e] : *list) {
        if (i >= paging.end) break;
        if (!paging.contains(i++)) continue;
        Json::Value p(Json::objectValue);
        p["uid"] = uid;
        for (const char* k : {"name", "email", "joined_at", "status"})
            p[k] = e[k].isString() ? e[k].asString() : "";
        v["participants"].append(p);
    }
    return Response::json(v);
}

Response create_api_registration(Ctx& ctx) {
    const auto ev = event_by_key_or_404(ctx);
    const auto o = register_user_for(ctx, ev);
    const auto message = events::outcome_message(o, ev.name);
    Json::Value v(Json::objectValue);
    v["event_id"] = static_cast<Json::Int64>(ev.id);
    v["message"] = message;
    if (o == events::Outcome::already_registered) {
        // Not an error: a retry after a lost answer finds the person in.
        const auto list = ctx.app.files().get_event_participants(ev.id);
        const auto* entry = list->find(ctx.user->uid);
        v["status"] = to_php(entry ? status_of(*entry) : ParticipantStatus::registered);
        return Response::json(v, 200);
    }
    v["status"] = to_php(o == events::Outcome::pending ? ParticipantStatus::pending
                                                       : ParticipantStatus::registered);
    return Response::json(v, 201);
}

Response delete_api_registration(Ctx& ctx) {
    const auto ev = event_by_key_or_404(ctx);
    const auto o = events::remove_participant(ctx.app, ev.id, ctx.user->uid, actor_of(*ctx.user));
    if (o == events::Outcome::not_found) throw NotFound("Invalid event key");
    if (o != events::Outcome::done) throw NotFound(events::outcome_message(o, ev.name));
    mail_attendee(ctx, ev, *ctx.user, EventMail::cancelled);
    Json::Value v(Json::objectValue);
    v["event_id"] = static_cast<Json::Int64>(ev.id);
    v["message"] = "Your registration for " + ev.name + " has been cancelled";
    return Response::json(v);
}

}  // namespace ems
