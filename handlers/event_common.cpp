#include "handlers/event_common.hpp"

#include "core/time.hpp"
#include "handlers/session.hpp"
#include "storage/file_storage.hpp"

namespace ems::event_views {

Response flash_redirect(Ctx& ctx, const std::string& type, const std::string& message,
                        const std::string& to) {
    set_flash(ctx, type, message);
    return Response::redirect(to);
}

std::optional<events::Event> event_from_param(Ctx& ctx, const char* param) {
    const auto id = storage::parse_event_id(ctx.param(param));
    if (!id) return std::nullopt;
    return events::find_event(ctx.app.db(), *id);
}

bool is_owner(const Ctx& ctx, const events::Event& ev) {
    return ctx.user && ev.creator == ctx.user->uid;
}

std::optional<events::Event> owned_event(Ctx& ctx, const char* deny_message, Response& bail) {
    auto ev = event_from_param(ctx);
    if (!ev) {
        bail = flash_redirect(ctx, "error", "Event not found");
        return std::nullopt;
    }
    if (!is_owner(ctx, *ev)) {
        bail = flash_redirect(ctx, "error", deny_message);
        return std::nullopt;
    }
    return ev;
}

Json::Value event_model(const events::Event& ev) {
    Json::Value m(Json::objectValue);
    m["id"] = std::to_string(ev.id);
    m["name"] = ev.name;
    m["startdate"] = ev.startdate;
    m["enddate"] = ev.enddate;
    m["start_display"] = time::display_datetime(ev.startdate);
    m["end_display"] = time::display_datetime(ev.enddate);
    m["location"] = ev.location;
    m["shortinfo"] = ev.shortinfo;
    m["participantcount"] = static_cast<Json::Int64>(ev.participantcount);
    return m;
}

}  // namespace ems::event_views
