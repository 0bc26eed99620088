#include "handlers/event_mail.hpp"

#include <exception>
#include <ostream>

#include "core/log.hpp"
#include "core/participant_status.hpp"
#include "core/time.hpp"
#include "handlers/event_common.hpp"
#include "handlers/router.hpp"
#include "models/account.hpp"
#include "models/mailer.hpp"
#include "models/notify_prefs.hpp"
#include "models/user.hpp"

namespace ems {
namespace {

struct Text {
    std::string lead, action;  // the first paragraph; the link's words
};

Text text_of(EventMail kind) {
    switch (kind) {
        case EventMail::registered:
            return {"You are registered. The calendar file is attached.", "See the event"};
        case EventMail::pending:
            return {
                "The organizer approves each registration: yours is waiting for approval. "
                "You will get a mail when it is decided.",
                "See the event"};
        case EventMail::approved:
            return {
                "The organizer approved your registration. You are registered; the calendar "
                "file is attached.",
                "See the event"};
        case EventMail::declined:
            return {"The organizer declined your registration request.", "See the event"};
        case EventMail::cancelled:
            return {"You cancelled your registration. Your seat went back to the event.",
                    "See the event"};
        case EventMail::removed:
            return {"The organizer removed you from the participants.", "See the event"};
        case EventMail::promoted:
            return {"A seat became free and you were next on the waitlist: you have a place.",
                    "See the event"};
    }
    return {};
}

std::string display_name(const User& u) {
    return event_views::person_name(u, u.email);
}

// The event's dates and place as lines of "Label: value"; times name the
// site's time zone when one is set.
std::vector<std::pair<std::string, std::string>> facts(const events::Event& ev,
                                                       const std::string& zone = "") {
    const auto when = [&](const std::string& t) {
        return time::display_datetime(t) + (zone.empty() ? "" : " (" + zone + ")");
    };
    std::vector<std::pair<std::string, std::string>> out;
    if (!ev.startdate.empty()) out.emplace_back("Starts", when(ev.startdate));
    if (!ev.enddate.empty()) out.emplace_back("Ends", when(ev.enddate));
    if (!ev.location.empty()) out.emplace_back("Where", ev.location);
    return out;
}

struct Content {
    std::string to, subject, greeting, lead, link, link_label;  // no link: link empty
    std::vector<std::pair<std::string, std::string>> facts;
};

// The mail of `c`; `heading` (the event's name) above the facts.
mail::Message build(App& app, const Content& c, const std::string& heading) {
    const auto& cfg = app.config();
    const auto settings = cfg.base_url + url_for("profile") + "#notifications";
    std::string text = c.greeting + "\r\n\r\n" + c.lead + "\r\n\r\n" + heading + "\r\n";
    for (const auto& [label, value] : c.facts) text += label + ": " + value + "\r\n";
    if (!c.link.empty()) text += "\r\n" + c.link_label + ": " + c.link + "\r\n";
    text += "\r\n-- \r\n" + cfg.site_name + "\r\nYou get this mail because of your account at " +
            cfg.base_url + ". To choose which mails you get: " + settings + "\r\n";
    Json::Value m;
    m["subject"] = c.subject;
    m["greeting"] = c.greeting;
    m["lead"] = c.lead;
    m["event_name"] = heading;
    for (const auto& [label, value] : c.facts) {
        Json::Value f;
        f["label"] = label;
        f["value"] = value;
        m["facts"].append(f);
    }
    m["has_facts"] = !c.facts.empty();
    m["link"] = c.link;
    m["link_label"] = c.link_label;
    m["site_name"] = cfg.site_name;
    m["base_url"] = cfg.base_url;
    m["settings_url"] = settings;
    mail::Message msg{c.to, c.subject, text};
    msg.html = app.views().render_bare("mail_event", m);
    msg.unsubscribe_url = settings;
    return msg;
}

void queue(Ctx& ctx, const Content& c, const events::Event& ev) {
    mail::send(ctx.app.config(), build(ctx.app, c, ev.name));
}

}  // namespace

namespace event_mail {
std::string subject(EventMail kind, const std::string& event_name) {
    switch (kind) {
        case EventMail::registered:
            return "You are registered for " + event_name;
        case EventMail::pending:
            return "Your registration for " + event_name + " waits for approval";
        case EventMail::approved:
            return "Your registration for " + event_name + " was approved";
        case EventMail::declined:
            return "Your registration for " + event_name + " was declined";
        case EventMail::cancelled:
            return "You cancelled your registration for " + event_name;
        case EventMail::removed:
            return "You were removed from " + event_name;
        case EventMail::promoted:
            return "You have a place at " + event_name;
    }
    return event_name;
}
}  // namespace event_mail

void mail_attendee(Ctx& ctx, const events::Event& ev, const User& user, EventMail kind) noexcept {
    try {
        if (user.email.empty()) return;
        if (!notify_prefs::get(ctx.app.db(), user.uid).registration_mail) return;
        const auto t = text_of(kind);
        Content c{user.email,
                  event_mail::subject(kind, ev.name),
                  "Hello " + display_name(user) + ",",
                  t.lead,
                  ctx.app.config().base_url + url_for("register_event", {{"eventkey", ev.key}}),
                  t.action,
                  facts(ev, ctx.app.config().time_zone)};
        auto msg = build(ctx.app, c, ev.name);
        // A place in the event: its calendar file, to add in one click.
        if (kind == EventMail::registered || kind == EventMail::approved ||
            kind == EventMail::promoted)
            msg.attachments.push_back(
                {ical::file_name(ev.name), "text/calendar",
                 ical::calendar({ical_event(ev, ctx.app.config())}, ctx.app.config().site_name)});
        mail::send(ctx.app.config(), msg);
    } catch (const std::exception& e) {
        log::error("mail: \"" + event_mail::subject(kind, "event " + std::to_string(ev.id)) +
                   "\" to user " + user.uid + " was not queued: " + e.what());
    }
}

void mail_attendee(Ctx& ctx, const events::Event& ev, const std::string& uid,
                   EventMail kind) noexcept {
    try {
        if (const auto user = find_user(ctx.app.db(), uid)) mail_attendee(ctx, ev, *user, kind);
    } catch (const std::exception& e) {
        log::error("mail: user " + uid + " of event " + std::to_string(ev.id) +
                   " could not be read for a mail: " + e.what());
    }
}

void mail_organizer_pending(Ctx& ctx, const events::Event& ev,
                            const std::string& requester_uid) noexcept {
    try {
        const auto organizer = find_user(ctx.app.db(), ev.creator);
        if (!organizer || organizer->email.empty()) return;
        if (notify_prefs::get(ctx.app.db(), ev.creator).pending != notify_prefs::Pending::immediate)
            return;
        const auto requester = find_user(ctx.app.db(), requester_uid);
        const auto who = requester ? display_name(*requester) : std::string("Someone");
        Content c{
            organizer->email,
            who + " asks to join " + ev.name,
            "Hello " + display_name(*organizer) + ",",
            who + " registered for your event and waits for your approval.",
            ctx.app.config().base_url + url_for("manage_event", {{"id", std::to_string(ev.id)}}),
            "Approve or decline",
            facts(ev, ctx.app.config().time_zone)};
        queue(ctx, c, ev);
    } catch (const std::exception& e) {
        log::error("mail: the pending-request mail of event " + std::to_string(ev.id) +
                   " was not queued: " + e.what());
    }
}

std::vector<std::string> participant_uids(Ctx& ctx, std::int64_t event_id) {
    std::vector<std::string> out;
    try {
        const auto list = ctx.app.files().get_event_participants(event_id);
        out.reserve(list->size());
        for (const auto& [uid, entry] : *list) out.push_back(uid);
    } catch (const std::exception& e) {
        // A damaged list must not stop the change; its people get no mail.
        log::error("mail: event " + std::to_string(event_id) +
                   ": the participant list could not be read for the change mails: " + e.what());
    }
    return out;
}

void mail_if_plans_changed(Ctx& ctx, const events::Event& before,
                           const events::EventInput& input) noexcept {
    if (before.startdate == input.startdate && before.enddate == input.enddate &&
        before.location == input.location)
        return;
    auto after = before;
    after.name = input.name;
    after.startdate = input.startdate;
    after.enddate = input.enddate;
    after.location = input.location;
    mail_participants(ctx, after, &before, participant_uids(ctx, before.id), EventChange::changed);
}

void mail_participants(Ctx& ctx, const events::Event& ev, const events::Event* before,
                       const std::vector<std::string>& uids, EventChange change) noexcept {
    constexpr std::size_t batch = 500;
    std::size_t queued = 0;
    try {
        const bool deleted = change == EventChange::deleted;
        const auto link =
            deleted ? std::string()
                    : ctx.app.config().base_url + url_for("register_event", {{"eventkey", ev.key}});
        auto fact_lines = facts(ev, ctx.app.config().time_zone);
        if (before && !deleted) {
            if (before->startdate != ev.startdate)
                fact_lines.emplace_back("Was from", time::display_datetime(before->startdate));
            if (before->enddate != ev.enddate)
                fact_lines.emplace_back("Was until", time::display_datetime(before->enddate));
            if (before->location != ev.location)
                fact_lines.emplace_back("Was at", before->location);
        }
        for (std::size_t at = 0; at < uids.size(); at += batch) {
            const auto n = std::min(batch, uids.size() - at);
            std::string marks;
            db::Params params;
            for (std::size_t i = 0; i < n; ++i) {
                marks += i ? ",?" : "?";
                params.emplace_back(uids[at + i]);
            }
            // One query a batch: the people and whether they want mail.
            const auto rows = ctx.app.db().query(
                "SELECT CAST(u.uid AS CHAR), u.email, u.fname, u.mname, u.lname, "
                "COALESCE(p.registration_mail, 1) FROM user_credentials u "
                "LEFT JOIN ems_notify_prefs p ON p.uid = CAST(u.uid AS CHAR) "
                "WHERE u.uid IN (" +
                    marks + ")",
                params);
            std::vector<mail::Message> messages;
            for (const auto& r : rows) {
                if (r.num(5) == 0 || r.str(1).empty()) continue;
                User u;
                u.uid = r.str(0);
                u.email = r.str(1);
                u.fname = r.str(2);
                u.mname = r.str(3);
                u.lname = r.str(4);
                Content c{u.email,
                          deleted ? ev.name + " was cancelled" : ev.name + " has changed",
                          "Hello " + display_name(u) + ",",
                          deleted ? "The organizer deleted this event: it will not take place "
                                    "and your registration has ended."
                                  : "The organizer changed when or where this event takes place. "
                                    "You are still on its list; here are the new details.",
                          link,
                          "See the event",
                          fact_lines};
                messages.push_back(build(ctx.app, c, ev.name));
            }
            mail::send_many(ctx.app.config(), messages);
            queued += messages.size();
        }
    } catch (const std::exception& e) {
        log::error("mail: event " + std::to_string(ev.id) + ": " + std::to_string(queued) + " of " +
                   std::to_string(uids.size()) +
                   " change mails queued, the rest were not: " + e.what());
    }
}

int send_pending_digests(App& app, const std::string& day, std::ostream& out) {
    int sent = 0;
    for (const auto& uid : notify_prefs::daily_digest_users(app.db())) {
        if (!notify_prefs::claim_digest(app.db(), uid, day)) continue;  // sent today already
        try {
            const auto user = find_user(app.db(), uid);
            if (!user || user->email.empty()) continue;
            std::vector<std::pair<std::string, std::string>> lines;
            long long total = 0;
            std::int64_t only = 0;
            for (const auto& ev : events::events_created_by(app.db(), uid)) {
                long long n = 0;
                for (const auto& [who, entry] : *app.files().get_event_participants(ev.id))
                    if (status_of(entry) == ParticipantStatus::pending) ++n;
                if (n == 0) continue;
                lines.emplace_back(ev.name, std::to_string(n) + " waiting");
                total += n;
                only = lines.size() == 1 ? ev.id : 0;
            }
            if (total == 0) continue;  // nothing waits: no mail today
            const auto& base = app.config().base_url;
            Content c{user->email,
                      total == 1 ? "1 registration waits for your approval"
                                 : std::to_string(total) + " registrations wait for your approval",
                      "Hello " + display_name(*user) + ",",
                      "Your summary of " + day +
                          ": these events of yours have registrations waiting for your approval.",
                      only ? base + url_for("manage_event", {{"id", std::to_string(only)}})
                           : base + url_for("dashboard"),
                      only ? "Approve or decline" : "Open your dashboard",
                      lines};
            mail::send(app.config(), build(app, c, "Waiting for your approval"));
            ++sent;
            out << "user " << uid << ": " << total << " waiting, summary queued\n";
        } catch (const std::exception& e) {
            notify_prefs::release_digest(app.db(), uid, day);
            out << "user " << uid << ": the summary was not queued: " << e.what() << "\n";
            log::error("mail: the summary of " + day + " for user " + uid +
                       " was not queued: " + e.what());
        }
    }
    return sent;
}

}  // namespace ems
