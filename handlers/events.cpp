// Create, edit and delete events: the PHP app's /events routes and messages.
// Owner checks answer as PHP did (flash + 302 /dashboard); deletion is a
// POST, and the old GET URL shows a confirmation page with the button.
#include "core/errors.hpp"
#include "handlers/event_common.hpp"
#include "handlers/event_mail.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "handlers/session.hpp"
#include "models/event.hpp"
#include "models/idempotency.hpp"

namespace ems {
namespace {

using namespace event_views;

const forms::FieldSpec event_fields[] = {
    {"eventname", "Event name"},
    {"startdate", "Starts", "datetime-local"},
    {"enddate", "Ends", "datetime-local"},
    {"location", "Location"},
    {"eventshortinfo", "Description", "textarea", "", false},
    {"max_participants", "Maximum participants (empty: no limit)", "number", "", false},
};

const char* const form_names[] = {"eventname",          "startdate",           "enddate",
                                  "location",           "eventshortinfo",      "max_participants",
                                  "registration_open",  "require_approval",    "listed",
                                  "registration_opens", "registration_closes", "close_at_start"};

// The registration window, inside the form's Registration fieldset.
const forms::FieldSpec window_fields[] = {
    {"registration_opens", "Registration opens", "datetime-local", "", false},
    {"registration_closes", "Registration closes", "datetime-local", "", false},
};

struct FormPage {
    const char* title;
    std::string action;
    const char* submit;
    std::string form_token = {};  // create only: a retried or double submit creates once
};

Response form_page(Ctx& ctx, const FormPage& p, const events::FormResult& r, int status) {
    auto m = ctx.page(p.title);
    m["heading"] = p.title;
    m["action"] = p.action;
    m["submit"] = p.submit;
    for (const auto& f : event_fields) {
        const auto v = r.values.find(f.name);
        const auto e = r.errors.find(f.name);
        m["fields"].append(forms::field(f, v == r.values.end() ? "" : v->second,
                                        e == r.errors.end() ? "" : e->second));
    }
    m["registration_open"] =
        r.values.count("registration_open") && !r.values.at("registration_open").empty();
    m["require_approval"] =
        r.values.count("require_approval") && !r.values.at("require_approval").empty();
    m["listed"] = r.values.count("listed") && !r.values.at("listed").empty();
    m["close_at_start"] =
        r.values.count("close_at_start") && !r.values.at("close_at_start").empty();
    for (const auto& f : window_fields) {
        const auto v = r.values.find(f.name);
        const auto e = r.errors.find(f.name);
        m["window_fields"].append(forms::field(f, v == r.values.end() ? "" : v->second,
                                               e == r.errors.end() ? "" : e->second));
    }
    if (!r.form_error.empty()) m["form_error"] = r.form_error;
    if (!p.form_token.empty()) m["form_token"] = p.form_token;
    return Response::html(ctx.app.views().render("event_form", m), status);
}

// Refusals from here on re-render the form: the values sent, the error's
// message and field messages (a concurrent write's duplicate key included).
void refuse_with_form(Ctx& ctx, FormPage p, events::FormResult r) {
    ctx.answer_refusals_with_form([p = std::move(p), r = std::move(r)](Ctx& c, const HttpError& e) {
        auto shown = r;
        shown.errors = e.fields;
        shown.form_error = e.what();
        return form_page(c, p, shown, 422);
    });
}

// The last value sent for each field: our form sends a hidden "0" before
// each checkbox, so a checked box arrives as "0" then "1".
events::FormResult submitted(const Ctx& ctx, const events::Settings& base) {
    std::map<std::string, std::string> raw;
    for (const char* name : form_names) {
        const auto [first, last] = ctx.req.form_fields().equal_range(name);
        for (auto it = first; it != last; ++it) raw[name] = it->second;
    }
    return events::validate_event_form(raw, base);
}

// The create form's token as sent, when well-formed; "" otherwise (the PHP
// form and old scripts send none: the unique keys still protect them).
std::string sent_form_token(const Ctx& ctx) {
    const auto t = ctx.req.form("form_token");
    return idempotency::valid_form_token(t) ? t : std::string();
}

FormPage create_form(std::string token) {
    return {"Create Event", url_for("create_event_post"), "Create event", std::move(token)};
}

events::FormResult values_of(const events::Event& ev, const events::Settings& s) {
    events::FormResult r;
    r.values = {{"eventname", ev.name},
                {"startdate", events::to_input_datetime(ev.startdate)},
                {"enddate", events::to_input_datetime(ev.enddate)},
                {"location", ev.location},
                {"eventshortinfo", ev.description.empty() ? ev.shortinfo : ev.description},
                {"max_participants", s.max_participants ? std::to_string(*s.max_participants) : ""},
                {"registration_open", s.registration_open ? "1" : ""},
                {"require_approval", s.require_approval ? "1" : ""},
                {"listed", s.listed ? "1" : ""},
                {"registration_opens", events::to_input_datetime(s.opens)},
                {"registration_closes", events::to_input_datetime(s.closes)},
                {"close_at_start", s.close_at_start ? "1" : ""}};
    return r;
}

// "NAME (copy)", cut to the name's 255 characters without splitting one.
std::string copy_name(const std::string& name) {
    const std::string suffix = " (copy)";
    std::string base = name;
    std::size_t chars = 0, cut = base.size();
    for (std::size_t i = 0; i < base.size(); ++i) {
        if ((static_cast<unsigned char>(base[i]) & 0xC0) == 0x80) continue;
        if (chars == 255 - suffix.size()) {
            cut = i;
            break;
        }
        ++chars;
    }
    return base.substr(0, cut) + suffix;
}

FormPage edit_form(const events::Event& ev) {
    return {"Edit Event", url_for("edit_event_post", {{"id", std::to_string(ev.id)}}),
            "Save changes"};
}

}  // namespace

Response show_create_event(Ctx& ctx) {
    events::FormResult r;
    r.values["registration_open"] = "1";
    r.values["listed"] = "1";  // new events are on the public listing unless unticked
    r.values["close_at_start"] = "1";
    return form_page(ctx, create_form(idempotency::new_form_token()), r, 200);
}

Response create_event(Ctx& ctx) {
    const auto r = submitted(ctx, events::Settings{});  // absent settings: the PHP defaults
    auto token = sent_form_token(ctx);
    refuse_with_form(ctx, create_form(token.empty() ? idempotency::new_form_token() : token), r);
    if (!r.errors.empty()) throw Invalid(r.form_error, r.errors);
    // A replay (same token) answers as the first submit did: the same
    // event's manage page, where its registration link is to share.
    const auto created = events::create_event(
        ctx.app, r.input, *ctx.user, idempotency::token_id("event_create", ctx.user->uid, token));
    return flash_redirect(ctx, "success", "Event created successfully!",
                          url_for("manage_event", {{"id", std::to_string(created.id)}}));
}

// The settings an edit starts from: the file's, or the PHP defaults when
// the file cannot give them (saving the form then writes a valid file).
events::Settings editable_settings(Ctx& ctx, const events::Event& ev) {
    auto s = events::load_settings(ctx.app, ev.id);
    return s.problem.empty() ? s : events::Settings{};
}

// The create form filled from one of the organizer's events: everything
// but the name, which says it is a copy (a new event, with its own key and
// no participants, is made only when the form is sent).
Response show_duplicate_event(Ctx& ctx) {
    const auto ev = events::with_description(
        ctx.app, owned_event(ctx, "You can only duplicate your own events"));
    auto r = values_of(ev, editable_settings(ctx, ev));
    r.values["eventname"] = copy_name(ev.name);
    auto page = create_form(idempotency::new_form_token());
    page.title = "Duplicate Event";
    return form_page(ctx, page, r, 200);
}

Response show_edit_event(Ctx& ctx) {
    const auto ev =
        events::with_description(ctx.app, owned_event(ctx, "You can only edit your own events"));
    const auto s = events::load_settings(ctx.app, ev.id);
    auto r = values_of(ev, s.problem.empty() ? s : events::Settings{});
    if (!s.problem.empty())
        r.form_error =
            "This event's settings could not be read, so registration is closed. The form "
            "shows the defaults; saving it stores them.";
    return form_page(ctx, edit_form(ev), r, 200);
}

Response edit_event(Ctx& ctx) {
    const auto ev = owned_event(ctx, "You can only edit your own events");
    const auto r = submitted(ctx, editable_settings(ctx, ev));  // absent settings stay as they are
    refuse_with_form(ctx, edit_form(ev), r);
    if (!r.errors.empty()) throw Invalid(r.form_error, r.errors);
    events::update_event(ctx.app, ev, r.input, *ctx.user);
    mail_if_plans_changed(ctx, ev, r.input);
    return flash_redirect(ctx, "success", "Event updated successfully!");
}

Response show_delete_event(Ctx& ctx) {
    const auto ev = owned_event(ctx, "You can only delete your own events");
    auto m = ctx.page("Delete Event");
    m["heading"] = "Delete this event?";
    m["event"] = event_model(ev);
    m["message"] = "The event, its registration link and its participant list (" +
                   std::to_string(ev.participantcount) +
                   " registered) will be removed. This cannot be undone.";
    m["action"] = url_for("delete_event_post", {{"id", std::to_string(ev.id)}});
    m["button"] = "Delete event";
    m["danger"] = true;
    return Response::html(ctx.app.views().render("confirm", m));
}

Response delete_event(Ctx& ctx) {
    const auto ev = owned_event(ctx, "You can only delete your own events");
    const auto people = participant_uids(ctx, ev.id);  // before the files go
    events::delete_event(ctx.app, ev.id, *ctx.user);
    mail_participants(ctx, ev, nullptr, people, EventChange::deleted);
    return flash_redirect(ctx, "success", "Event deleted successfully!");
}

}  // namespace ems
