// The organizer's side of participation: the manage page (paged, or the
// whole list with ?all=1 as the PHP page showed it), the CSV export, and
// approve / decline / remove.
#include <algorithm>
#include <memory>
#include <string_view>

#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/participant_status.hpp"
#include "core/time.hpp"
#include "handlers/event_chart.hpp"
#include "handlers/event_common.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/event_participation.hpp"
#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"

namespace ems {
namespace {

using namespace event_views;

constexpr std::size_t per_page = 100;
const char* const deny_manage = "You can only manage your own events";

// A row's fields from a participant entry in one pass over its members
// (a lookup per field cost more than rendering the row), read in place.
// The status is kept as stored (a missing one is the PHP default) and
// shown by its label; joined_display is written into `joined`. The
// buffered and the streamed page both take their rows from here, so they
// stay the same bytes.
pages::ParticipantRow row_of(const Json::Value& e, std::string& joined) {
    pages::ParticipantRow row;
    row.status = to_php(ParticipantStatus::registered);
    if (e.isObject()) {
        for (auto it = e.begin(), last = e.end(); it != last; ++it) {
            const char* key_end = nullptr;
            const char* key = it.memberName(&key_end);
            const std::string_view k(key, static_cast<std::size_t>(key_end - key));
            const char *begin = nullptr, *end = nullptr;
            if (!it->isString() || !it->getString(&begin, &end)) continue;
            const std::string_view v(begin, static_cast<std::size_t>(end - begin));
            if (k == "name")
                row.name = v;
            else if (k == "email")
                row.email = v;
            else if (k == "joined_at")
                row.joined_at = v;
            else if (k == "status")
                row.status = v;
        }
    }
    const auto status = status_from_php(row.status).value_or(ParticipantStatus::registered);
    row.pending = status == ParticipantStatus::pending;
    row.status_label = display_label(status);
    row.status_tag = status == ParticipantStatus::registered ? "ok" : "warn";
    joined.clear();
    time::append_display_datetime(joined, row.joined_at);
    row.joined_display = joined;
    return row;
}

pages::Participant participant_view(const std::string& event_id, const std::string& uid,
                                    const Json::Value& e) {
    std::string joined;
    const auto r = row_of(e, joined);
    pages::Participant p;
    p.name = r.name;
    p.email = r.email;
    p.joined_at = r.joined_at;
    p.status = r.status;
    p.pending = r.pending;
    p.joined_display = r.joined_display;
    p.status_label = r.status_label;
    p.status_tag = r.status_tag;
    const std::map<std::string, std::string> ids{{"id", event_id}, {"uid", uid}};
    if (p.pending) {
        p.approve_url = url_for("approve_participant", ids);
        p.decline_url = url_for("confirm_decline_participant", ids);
    } else {
        p.remove_url = url_for("remove_participant", ids);
    }
    return p;
}

pages::Paging paging(const std::string& event_id, std::size_t page, std::size_t page_count) {
    const std::map<std::string, std::string> id{{"id", event_id}};
    pages::Paging p;
    p.page = page;
    p.pages = page_count;
    if (page > 1) p.prev_url = url_for("manage_event", id, {{"page", std::to_string(page - 1)}});
    if (page < page_count)
        p.next_url = url_for("manage_event", id, {{"page", std::to_string(page + 1)}});
    p.all_url = url_for("manage_event", id, {{"all", "1"}});
    return p;
}

Response participant_action(Ctx& ctx, const char* verb) {
    const auto ev = owned_event(ctx, deny_manage);
    const auto uid = ctx.param("uid");
    const auto back = url_for("manage_event", {{"id", std::to_string(ev.id)}});
    ctx.answer_refusals_with_redirect(back);
    if (!storage::valid_uid(uid)) throw NotFound("Participant not found");
    const auto actor = actor_of(*ctx.user);
    const std::string v = verb;
    const auto o = v == "approve" ? events::approve_participant(ctx.app, ev.id, uid, actor)
                                  : events::remove_participant(ctx.app, ev.id, uid, actor);
    if (o != events::Outcome::done) throw NotFound("Participant not found");
    mail_attendee(ctx, ev, uid,
                  v == "approve"   ? EventMail::approved
                  : v == "decline" ? EventMail::declined
                                   : EventMail::removed);
    const char* msg = v == "approve"   ? "Participant approved"
                      : v == "decline" ? "Participant declined"
                                       : "Participant removed";
    return flash_redirect(ctx, "success", msg, back);
}

}  // namespace

// A spreadsheet cell: quoted, quotes doubled, and a leading character a
// spreadsheet would read as a formula neutralised with an apostrophe.
namespace {

void csv_cell_to(std::string& out, std::string_view v) {
    out += '"';
    if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos)
        out += '\'';
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace

std::string csv_cell(const std::string& v) {
    std::string out;
    csv_cell_to(out, v);
    return out;
}

namespace {

// One of the signed-in user's slots for a whole-list page or export: at
// most full_list_concurrency of them at once per user on this host, so
// that one organizer's many tabs (or a script) cannot take every worker
// with 10,000-row pages. The slots are flock'd files under .ems/locks/
// (released by the kernel if a worker dies); a storage that cannot hold
// them (read-only) does not cost the page.
std::unique_ptr<storage::LockFile> full_list_slot(Ctx& ctx) {
    const int slots = ctx.app.config().full_list_concurrency;
    if (slots <= 0) return nullptr;
    std::string owner;
    for (const unsigned char c : ctx.user->uid) {
        static constexpr char hex[] = "0123456789abcdef";
        owner += hex[c >> 4];
        owner += hex[c & 15];
    }
    const auto dir = ctx.app.files().root() / ".ems" / "locks";
    try {
        for (int i = 0; i < slots; ++i) {
            auto slot = std::make_unique<storage::LockFile>(
                dir / ("full-list-" + owner + "-" + std::to_string(i) + ".lock"),
                storage::LockFile::Mode::exclusive_nowait);
            if (slot->held()) return slot;
        }
    } catch (const storage::StorageError&) {
        return nullptr;
    }
    throw TooManyRequests(
        "You already have full participant lists loading. Please wait for them and try again.", 5);
}

// A string field of a participant entry, read in place (no copy), empty
// when absent or not a string.
std::string_view field(const Json::Value& e, const char* key) {
    if (!e.isObject()) return {};
    const Json::Value* v = e.find(key, key + std::char_traits<char>::length(key));
    const char *begin = nullptr, *end = nullptr;
    if (!v || !v->isString() || !v->getString(&begin, &end)) return {};
    return {begin, static_cast<std::size_t>(end - begin)};
}

// A participant action's path around its uid: url_for once per page, not
// three times per row. The uid goes in as url_for would put it.
struct UidPath {
    std::string before, after;
    UidPath(const char* route, const std::string& event_id) {
        const std::string mark = "0";
        auto path = url_for(route, {{"id", event_id}, {"uid", mark}});
        const auto at = path.rfind("/" + mark + "/");
        if (at == std::string::npos) throw std::logic_error(std::string("no uid in ") + route);
        before = path.substr(0, at + 1);
        after = path.substr(at + 1 + mark.size());
    }
    std::string_view with(const std::string& uid, std::string& buf) const {
        buf.assign(before);
        buf += url_segment(uid);
        buf += after;
        return buf;
    }
};

// Appends participant rows through the page's row template, the action
// paths built around each uid.
class RowWriter {
  public:
    explicit RowWriter(const std::string& event_id)
        : approve_("approve_participant", event_id),
          decline_("confirm_decline_participant", event_id),
          remove_("remove_participant", event_id) {}
    void write(const StreamedManage& page, const std::string& uid, const Json::Value& e,
               std::string& out) {
        auto row = row_of(e, joined_);
        if (row.pending) {
            row.approve_url = approve_.with(uid, a_);
            row.decline_url = decline_.with(uid, d_);
        } else {
            row.remove_url = remove_.with(uid, r_);
        }
        page.row(row, out);
    }

  private:
    UidPath approve_, decline_, remove_;
    std::string a_, d_, r_, joined_;
};

constexpr std::size_t chunk_size = 32 * 1024;

// ?all=1: the page written while it is rendered. Head and foot come from
// the template; each row straight from the cached list through the row
// template; the list (a shared, immutable snapshot) and the slot are held
// until the last byte.
Response streamed_manage_page(Ctx& ctx, const pages::EventManage& p,
                              std::shared_ptr<const storage::ParticipantList> list,
                              const std::string& event_id,
                              std::shared_ptr<storage::LockFile> slot) {
    auto page = std::make_shared<const StreamedManage>(ctx.app.views().render_streamed(p));
    auto res = Response::html("");
    res.stream = [page, list, slot, rows = std::make_shared<RowWriter>(event_id)](BodySink& out) {
        out.write(page->head);
        std::string chunk;
        chunk.reserve(chunk_size + 4096);
        for (const auto& [uid, e] : *list) {
            rows->write(*page, uid, e, chunk);
            if (chunk.size() >= chunk_size) {
                out.write(chunk);
                chunk.clear();
            }
        }
        out.write(chunk);
        out.write(page->foot);
    };
    return res;
}

// Pending entries of a list, counted once per version of it: a manage page
// of a 10,000-entry list no longer looks into every entry on every view.
std::size_t pending_count(const storage::ParticipantList& list) {
    static std::uint64_t version = 0;
    static std::size_t count = 0;
    if (version != list.version()) {
        count = 0;
        for (const auto& item : list)
            if (status_of(item.second) == ParticipantStatus::pending) ++count;
        version = list.version();
    }
    return count;
}

// One page of rows (the paged view): the same head, row template and foot,
// into one string.
std::string paged_manage_page(Ctx& ctx, const pages::EventManage& p,
                              const storage::ParticipantList& list, const std::string& event_id,
                              const Page& pg) {
    const auto page = ctx.app.views().render_streamed(p);
    RowWriter rows(event_id);
    std::string html = page.head;
    std::size_t index = 0;
    for (const auto& [uid, e] : list) {
        if (pg.contains(index)) rows.write(page, uid, e, html);
        ++index;
    }
    html += page.foot;
    return html;
}

}  // namespace

Response manage_event(Ctx& ctx) {
    const auto ev = owned_event(ctx, deny_manage);
    const bool all = ctx.req.query("all") == "1";
    // The buffered render of the whole list, for the test that the streamed
    // page is the same bytes (test routes only).
    const bool buffered =
        all && ctx.app.config().enable_test_routes && ctx.req.query("render") == "buffered";
    std::shared_ptr<storage::LockFile> slot = all ? full_list_slot(ctx) : nullptr;
    const auto s = events::load_settings(ctx.app, ev.id);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    const auto id = std::to_string(ev.id);
    pages::EventManage p;
    p.layout = ctx.layout("Manage Event");
    p.event = event_view(events::with_description(ctx.app, ev));
    p.edit_url = url_for("edit_event", {{"id", id}});
    p.duplicate_url = url_for("duplicate_event", {{"id", id}});
    p.key = ev.key;
    p.register_url = ctx.app.config().base_url + url_for("register_event", {{"eventkey", ev.key}});
    p.registration_open = s.registration_open;
    p.require_approval = s.require_approval;
    p.max_participants = s.max_participants ? std::to_string(*s.max_participants) : "No limit";
    p.csv_url = url_for("participants_csv", {{"id", id}});
    p.total = list->size();
    const auto pg =
        paginate(p.total, per_page, all ? 1 : parse_positive(ctx.req.query("page")).value_or(1),
                 PastEnd::last_page);
    // The buffered render (test routes) also of one page, for the same test.
    const bool buffered_page =
        !all && ctx.app.config().enable_test_routes && ctx.req.query("render") == "buffered";
    p.pending_count = pending_count(*list);
    p.chart = registrations_chart(*list);
    if (buffered || buffered_page) {
        std::size_t index = 0;
        for (const auto& [uid, e] : *list) {
            if (buffered || pg.contains(index))
                p.participants.push_back(participant_view(id, uid, e));
            ++index;
        }
    }
    if (!all) p.paging = paging(id, pg.number, pg.pages);
    // An empty list has no table to put rows in: the page as usual.
    if (buffered || buffered_page || list->empty())
        return Response::html(ctx.app.views().render(p));
    if (all) return streamed_manage_page(ctx, p, list, id, std::move(slot));
    return Response::html(paged_manage_page(ctx, p, *list, id, pg));
}

Response export_participants_csv(Ctx& ctx) {
    const auto ev = owned_event(ctx, deny_manage);
    std::shared_ptr<storage::LockFile> slot = full_list_slot(ctx);
    const auto list = ctx.app.files().get_event_participants(ev.id);
    auto res = Response::text("", "text/csv; charset=utf-8");
    // Written while it is made, like the ?all=1 page.
    res.stream = [list, slot](BodySink& out) {
        std::string chunk =
            "\xEF\xBB\xBF\"Name\",\"Email\",\"Joined at\",\"Status\",\"User id\"\r\n";
        chunk.reserve(chunk_size + 4096);
        for (const auto& [uid, e] : *list) {
            for (const char* k : {"name", "email", "joined_at", "status"}) {
                csv_cell_to(chunk, field(e, k));
                chunk += ',';
            }
            csv_cell_to(chunk, uid);
            chunk += "\r\n";
            if (chunk.size() >= chunk_size) {
                out.write(chunk);
                chunk.clear();
            }
        }
        out.write(chunk);
    };
    res.set_header("Content-Disposition",
                   "attachment; filename=\"event-" + std::to_string(ev.id) + "-participants.csv\"");
    return res;
}

Response approve_participant(Ctx& ctx) {
    return participant_action(ctx, "approve");
}
// Decline asks first: the row's Decline is a link to this page, whose
// button posts to the same URL (which the PHP-compatible form still posts
// to directly).
Response show_decline_participant(Ctx& ctx) {
    const auto ev = owned_event(ctx, deny_manage);
    const auto id = std::to_string(ev.id);
    const auto uid = ctx.param("uid");
    ctx.answer_refusals_with_redirect(url_for("manage_event", {{"id", id}}));
    if (!storage::valid_uid(uid)) throw NotFound("Participant not found");
    const auto list = ctx.app.files().get_event_participants(ev.id);
    const auto* entry = list->find(uid);
    if (!entry) throw NotFound("Participant not found");
    std::string who(field(*entry, "name"));
    if (who.empty()) who = field(*entry, "email");
    if (who.empty()) who = "this person";
    if (status_of(*entry) != ParticipantStatus::pending)
        throw Conflict(who + " is not waiting for approval");
    auto m = ctx.page("Decline request");
    m["event"] = event_model(ev);
    m["heading"] = "Decline " + who + "'s request for " + ev.name + "?";
    m["message"] = "They will not be registered for this event.";
    m["action"] = url_for("decline_participant", {{"id", id}, {"uid", uid}});
    m["button"] = "Decline request";
    m["danger"] = true;
    m["back_url"] = url_for("manage_event", {{"id", id}});
    m["back_label"] = "Back to the event";
    return Response::html(ctx.app.views().render("confirm", m));
}

Response decline_participant(Ctx& ctx) {
    return participant_action(ctx, "decline");
}
Response remove_participant(Ctx& ctx) {
    return participant_action(ctx, "remove");
}

}  // namespace ems
