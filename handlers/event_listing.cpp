// The public listing of upcoming events (issue 13): /events with search and
// paging, its calendar feed /events/feed.ics, and the landing page that
// signed-out visitors see at /.
#include "core/pagination.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "handlers/event_common.hpp"
#include "handlers/handlers.hpp"
#include "handlers/router.hpp"
#include "models/event_index.hpp"
#include "views/ical.hpp"

namespace ems {
namespace {

constexpr std::size_t per_page = 20;
constexpr std::uint64_t max_page = 500;  // 10,000 events deep; past it, search
constexpr std::size_t max_query_chars = 100;

// What was typed, cut to max_query_chars characters of valid UTF-8 without
// control characters (the form's maxlength says the same).
std::string search_query(const Ctx& ctx) {
    std::string q;
    std::size_t chars = 0;
    for (char c : to_valid_utf8(ctx.req.query("q"))) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) c = ' ';
        if ((u & 0xC0) != 0x80 && chars++ == max_query_chars) break;
        q += c;
    }
    return trim(q);
}

Json::Value rows_of(const std::vector<events::Event>& list) {
    Json::Value rows(Json::arrayValue);
    for (const auto& ev : list) {
        auto row = event_views::event_model(ev);
        row["url"] = url_for("register_event", {{"eventkey", ev.key}});
        rows.append(row);
    }
    return rows;
}

}  // namespace

Response show_events_list(Ctx& ctx) {
    const auto q = search_query(ctx);
    const auto asked = parse_positive(ctx.req.query("page")).value_or(1);
    const auto page = std::min(asked, max_page);
    const auto listing = events::listed_events(ctx.app.db(), time::db_datetime(time::now()), q,
                                               (page - 1) * per_page, per_page);
    auto m = ctx.page(q.empty() ? "Upcoming events" : "Events matching " + q);
    m["q"] = q;
    m["events"] = rows_of(listing.events);
    m["has_events"] = !listing.events.empty();
    m["page"] = static_cast<Json::UInt64>(page);
    if (asked > max_page)
        m["note"] = "Only the first " + std::to_string(max_page) +
                    " pages are shown: search for a name or a place to find an event further on.";
    auto link = [&](std::uint64_t n) {
        Query query;
        if (!q.empty()) query.emplace_back("q", q);
        query.emplace_back("page", std::to_string(n));
        return url_for("events_list", {}, query);
    };
    if (page > 1) m["prev_url"] = link(page - 1);
    if (listing.more && page < max_page) m["next_url"] = link(page + 1);
    m["has_paging"] = m.isMember("prev_url") || m.isMember("next_url");
    m["feed_url"] = url_for("events_feed");
    return Response::html(ctx.app.views().render("events_list", m));
}

Response show_events_feed(Ctx& ctx) {
    const auto& c = ctx.app.config();
    const auto listing =
        events::listed_events(ctx.app.db(), time::db_datetime(time::now()), "", 0, 200);
    std::vector<ical::Event> entries;
    for (const auto& ev : listing.events) entries.push_back(ical_event(ev, c));
    return Response::text(ical::calendar(entries, c.site_name + ": upcoming events"),
                          "text/calendar; charset=utf-8");
}

// Signed in: the dashboard, as before. Signed out: what the site is, the
// next public events, and the way in.
Response show_home(Ctx& ctx) {
    if (ctx.user) return Response::redirect(url_for("dashboard"));
    auto m = ctx.page("Welcome");
    const auto next = events::listed_events(ctx.app.db(), time::db_datetime(time::now()), "", 0, 5);
    m["events"] = rows_of(next.events);
    m["has_events"] = !next.events.empty();
    m["more"] = next.more;
    return Response::html(ctx.app.views().render("landing", m));
}

}  // namespace ems
