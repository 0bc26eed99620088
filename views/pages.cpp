// The typed view models as template data: the only place that names their
// fields as strings. A field the template tests with {{#x}} and the old
// untyped models left out is left out here too (an empty string or false
// would stop the lookup in the enclosing context), so pages render as before.
#include "views/pages.hpp"

namespace ems::pages {
namespace {

Json::Value to_model(const CreatedEvent& c);
Json::Value to_model(const AttendedEvent& a);
Json::Value to_model(const Participant& p);

// m with the members set, in order (a page model is a map of template names).
Json::Value with(Json::Value m,
                 std::initializer_list<std::pair<const char*, Json::Value>> members) {
    for (const auto& [name, value] : members) m[name] = value;
    return m;
}

Json::Value list_of(const auto& items) {
    Json::Value out(Json::arrayValue);
    for (const auto& item : items) out.append(to_model(item));
    return out;
}

Json::Value to_model(const CreatedEvent& c) {
    return with(
        to_model(c.event),
        {{"edit_url", c.edit_url}, {"manage_url", c.manage_url}, {"delete_url", c.delete_url}});
}

Json::Value to_model(const AttendedEvent& a) {
    auto m = to_model(a.event);
    m["page_url"] = a.page_url;
    m["cancel_url"] = a.cancel_url;
    if (a.status_unavailable)
        m["status_unavailable"] = true;
    else
        m["pending"] = a.pending;
    return m;
}

Json::Value to_model(const Participant& p) {
    // clang-format off
    return with(Json::Value(Json::objectValue), {
        {"name", p.name}, {"email", p.email}, {"joined_at", p.joined_at}, {"status", p.status},
        {"pending", p.pending}, {"approve_url", p.approve_url}, {"decline_url", p.decline_url},
        {"remove_url", p.remove_url}, {"joined_display", p.joined_display},
        {"status_label", p.status_label}, {"status_tag", p.status_tag}});
    // clang-format on
}

void add_paging(Json::Value& m, const Paging& p) {
    m["page"] = static_cast<Json::UInt64>(p.page);
    m["pages"] = static_cast<Json::UInt64>(p.pages);
    if (!p.prev_url.empty()) m["prev_url"] = p.prev_url;
    if (!p.next_url.empty()) m["next_url"] = p.next_url;
    if (p.pages > 1) m["paged"] = true;
    m["all_url"] = p.all_url;
}

}  // namespace

ParticipantRow row_view(const Participant& p) {
    return {p.name,           p.email,        p.joined_at,   p.status,
            p.pending,        p.approve_url,  p.decline_url, p.remove_url,
            p.joined_display, p.status_label, p.status_tag};
}

Json::Value to_model(const Layout& p) {
    Json::Value m(Json::objectValue);
    m["title"] = p.title;
    m["csrf_token"] = p.csrf_token;
    if (p.user) {
        m["user"]["fname"] = p.user->fname;
        m["user"]["fullname"] = p.user->fullname;
        m["user"]["uid"] = p.user->uid;
    }
    if (p.flash) {
        m["flash"]["type"] = p.flash->type;
        m["flash"]["message"] = p.flash->message;
        m["flash"]["is_error"] = p.flash->type == "error";
    }
    return m;
}

Json::Value to_model(const Field& f) {
    Json::Value m(Json::objectValue);
    m["name"] = f.name;
    m["label"] = f.label;
    m["type"] = f.type;
    m["textarea"] = f.type == "textarea";
    m["value"] = f.value;
    if (!f.error.empty()) m["error"] = f.error;
    m["required"] = f.required;
    m["optional"] = !f.required;
    if (!f.autocomplete.empty()) m["autocomplete"] = f.autocomplete;
    return m;
}

Json::Value to_model(const Event& e) {
    // clang-format off
    return with(Json::Value(Json::objectValue), {
        {"id", e.id}, {"name", e.name}, {"startdate", e.startdate}, {"enddate", e.enddate},
        {"start_display", e.start_display}, {"end_display", e.end_display},
        {"location", e.location}, {"shortinfo", e.shortinfo},
        {"participantcount", static_cast<Json::Int64>(e.participantcount)}});
    // clang-format on
}

Json::Value to_model(const Login& p) {
    auto m = to_model(p.layout);
    m["fields"] = list_of(p.fields);
    if (!p.form_error.empty()) m["form_error"] = p.form_error;
    if (!p.purpose.empty()) m["purpose"] = p.purpose;
    return m;
}

Json::Value to_model(const Dashboard& p) {
    return to_model(p, true);
}

Json::Value to_model(const Dashboard& p, bool created_rows) {
    auto m = to_model(p.layout);
    m["fullname"] = p.fullname;
    m["has_created"] = !p.created.empty();
    m["has_attended"] = !p.attended.empty();
    m["stats"]["created"] = static_cast<Json::UInt64>(p.created.size());
    m["stats"]["registrations"] = static_cast<Json::UInt64>(p.attended.size());
    m["stats"]["participants"] = static_cast<Json::Int64>(p.participants);
    m["created"] = created_rows ? list_of(p.created) : Json::Value(Json::arrayValue);
    m["attended"] = list_of(p.attended);
    return m;
}

Json::Value to_model(const Badges& p) {
    auto m = to_model(p.layout);
    m["has_badges"] = !p.badges.empty();
    m["badges"] = list_of(p.badges);
    return m;
}

Json::Value to_model(const EventManage& p) {
    // clang-format off
    auto m = with(to_model(p.layout), {
        {"event", to_model(p.event)}, {"edit_url", p.edit_url},
        {"duplicate_url", p.duplicate_url}, {"key", p.key},
        {"register_url", p.register_url}, {"registration_open", p.registration_open},
        {"require_approval", p.require_approval}, {"max_participants", p.max_participants},
        {"csv_url", p.csv_url}, {"participants", list_of(p.participants)},
        {"has_participants", p.total > 0}, {"total", static_cast<Json::UInt64>(p.total)},
        {"pending_count", static_cast<Json::UInt64>(p.pending_count)},
        {"registered_count", static_cast<Json::UInt64>(p.total - p.pending_count)}});
    // clang-format on
    if (p.paging) add_paging(m, *p.paging);
    if (p.chart) {
        const auto& c = *p.chart;
        m["chart"] =
            with(Json::Value(Json::objectValue), {{"line", c.line},
                                                  {"area", c.area},
                                                  {"first_day", c.first_day},
                                                  {"last_day", c.last_day},
                                                  {"first_iso", c.first_iso},
                                                  {"last_iso", c.last_iso},
                                                  {"multi_day", c.first_iso != c.last_iso},
                                                  {"max", static_cast<Json::UInt64>(c.max)},
                                                  {"summary", c.summary}});
    }
    return m;
}

}  // namespace ems::pages
