// The organizer's side of participation: the manage page (paged, or the
// whole list with ?all=1 as the PHP page showed it), the CSV export, and
// approve / decline / remove.
#include <algorithm>

#include "core/errors.hpp"
#include "handlers/event_common.hpp"
#include "handlers/handlers.hpp"
#include "models/event_participation.hpp"
#include "storage/file_storage.hpp"

namespace ems {
namespace {

using namespace event_views;

constexpr std::size_t per_page = 100;
const char* const deny_manage = "You can only manage your own events";

Json::Value participant_model(const std::string& base, const std::string& uid,
                              const Json::Value& e) {
    Json::Value p(Json::objectValue);
    p["uid"] = uid;
    p["name"] = e["name"].isString() ? e["name"].asString() : "";
    p["email"] = e["email"].isString() ? e["email"].asString() : "";
    p["joined_at"] = e["joined_at"].isString() ? e["joined_at"].asString() : "";
    const auto status = e["status"].isString() ? e["status"].asString() : "registered";
    p["status"] = status;
    p["pending"] = status == "pending";
    p["action_base"] = base + "/participants/" + uid;
    return p;
}

std::size_t page_number(const Ctx& ctx, std::size_t pages) {
    const auto q = ctx.req.query("page");
    if (q.empty() || q.size() > 9 || q.find_first_not_of("0123456789") != std::string::npos)
        return 1;
    return std::clamp<std::size_t>(std::stoul(q), 1, std::max<std::size_t>(pages, 1));
}

void add_paging(Json::Value& m, const std::string& base, std::size_t page, std::size_t pages) {
    m["page"] = static_cast<Json::UInt64>(page);
    m["pages"] = static_cast<Json::UInt64>(pages);
    if (page > 1) m["prev_url"] = base + "?page=" + std::to_string(page - 1);
    if (page < pages) m["next_url"] = base + "?page=" + std::to_string(page + 1);
    if (pages > 1) m["paged"] = true;
    m["all_url"] = base + "?all=1";
}

Response participant_action(Ctx& ctx, const char* verb) {
    Response bail;
    const auto ev = owned_event(ctx, deny_manage, bail);
    if (!ev) return bail;
    const auto uid = ctx.param("uid");
    const auto back = "/events/manage/" + std::to_string(ev->id);
    if (!storage::valid_uid(uid))
        return flash_redirect(ctx, "error", "Participant not found", back);
    const auto actor = actor_of(*ctx.user);
    const std::string v = verb;
    const auto o = v == "approve" ? events::approve_participant(ctx.app, ev->id, uid, actor)
                                  : events::remove_participant(ctx.app, ev->id, uid, actor);
    if (o != events::Outcome::done)
        return flash_redirect(ctx, "error", "Participant not found", back);
    const char* msg = v == "approve"   ? "Participant approved"
                      : v == "decline" ? "Participant declined"
                                       : "Participant removed";
    return flash_redirect(ctx, "success", msg, back);
}

}  // namespace

// A spreadsheet cell: quoted, quotes doubled, and a leading character a
// spreadsheet would read as a formula neutralised with an apostrophe.
std::string csv_cell(const std::string& v) {
    std::string out = "\"";
    if (!v.empty() && std::string("=+-@\t\r").find(v[0]) != std::string::npos) out += '\'';
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

Response manage_event(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, deny_manage, bail);
    if (!ev) return bail;
    const auto s = events::load_settings(ctx.app, ev->id);
    const auto list = ctx.app.files().get_event_participants(ev->id);
    const auto base = "/events/manage/" + std::to_string(ev->id);
    auto m = ctx.page("Manage Event");
    m["event"] = event_model(*ev);
    m["key"] = ev->key;
    m["register_url"] = ctx.app.config().base_url + "/events/register/" + ev->key;
    m["registration_open"] = s.registration_open;
    m["require_approval"] = s.require_approval;
    m["max_participants"] = s.max_participants ? std::to_string(*s.max_participants) : "No limit";
    m["csv_url"] = base + "/participants.csv";
    const bool all = ctx.req.query("all") == "1";
    const std::size_t total = list->size();
    const std::size_t pages = (total + per_page - 1) / per_page;
    const std::size_t page = all ? 1 : page_number(ctx, pages);
    std::size_t index = 0, pending = 0;
    Json::Value rows(Json::arrayValue);
    for (const auto& [uid, e] : *list) {
        if (e["status"].isString() && e["status"].asString() == "pending") ++pending;
        if (all || (index >= (page - 1) * per_page && index < page * per_page))
            rows.append(participant_model(base, uid, e));
        ++index;
    }
    m["participants"] = std::move(rows);
    m["has_participants"] = total > 0;
    m["total"] = static_cast<Json::UInt64>(total);
    m["pending_count"] = static_cast<Json::UInt64>(pending);
    m["registered_count"] = static_cast<Json::UInt64>(total - pending);
    if (!all) add_paging(m, base, page, pages);
    return Response::html(ctx.app.views().render("event_manage", m));
}

Response export_participants_csv(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, deny_manage, bail);
    if (!ev) return bail;
    const auto list = ctx.app.files().get_event_participants(ev->id);
    std::string out = "\xEF\xBB\xBF\"Name\",\"Email\",\"Joined at\",\"Status\",\"User id\"\r\n";
    out.reserve(out.size() + list->size() * 96);
    for (const auto& [uid, e] : *list) {
        for (const char* k : {"name", "email", "joined_at", "status"}) {
            out += csv_cell(e[k].isString() ? e[k].asString() : "");
            out += ',';
        }
        out += csv_cell(uid) + "\r\n";
    }
    auto res = Response::text(std::move(out), "text/csv; charset=utf-8");
    res.set_header("Content-Disposition", "attachment; filename=\"event-" + std::to_string(ev->id) +
                                              "-participants.csv\"");
    return res;
}

Response approve_participant(Ctx& ctx) {
    return participant_action(ctx, "approve");
}
Response decline_participant(Ctx& ctx) {
    return participant_action(ctx, "decline");
}
Response remove_participant(Ctx& ctx) {
    return participant_action(ctx, "remove");
}

}  // namespace ems
