// Create, edit and delete events: the PHP app's /events routes and messages.
// Owner checks answer as PHP did (flash + 302 /dashboard); deletion is a
// POST, and the old GET URL shows a confirmation page with the button.
#include "handlers/event_common.hpp"
#include "handlers/forms.hpp"
#include "handlers/handlers.hpp"
#include "models/event.hpp"

namespace ems {
namespace {

using namespace event_views;

const forms::FieldSpec event_fields[] = {
    {"eventname", "Event name"},
    {"startdate", "Starts", "datetime-local"},
    {"enddate", "Ends", "datetime-local"},
    {"location", "Location"},
    {"eventshortinfo", "Short description", "text", "", false},
    {"max_participants", "Maximum participants (empty: no limit)", "number", "", false},
};

const char* const form_names[] = {"eventname", "startdate", "enddate", "location", "eventshortinfo",
                                  "max_participants", "registration_open", "require_approval"};

struct FormPage {
    const char* title;
    std::string action;
    const char* submit;
};

Response form_page(Ctx& ctx, const FormPage& p, const events::FormResult& r, int status) {
    auto m = ctx.page(p.title);
    m["heading"] = p.title;
    m["action"] = p.action;
    m["submit"] = p.submit;
    for (const auto& f : event_fields) {
        const auto v = r.values.find(f.name);
        const auto e = r.errors.find(f.name);
        m["fields"].append(forms::field(f, v == r.values.end() ? "" : v->second, e == r.errors.end() ? "" : e->second));
    }
    m["registration_open"] = r.values.count("registration_open") && !r.values.at("registration_open").empty();
    m["require_approval"] = r.values.count("require_approval") && !r.values.at("require_approval").empty();
    if (!r.form_error.empty()) m["form_error"] = r.form_error;
    return Response::html(ctx.app.views().render("event_form", m), status);
}

events::FormResult submitted(const Ctx& ctx) {
    std::map<std::string, std::string> raw;
    for (const char* name : form_names)
        if (ctx.req.has_form(name)) raw[name] = ctx.req.form(name);
    return events::validate_event_form(raw);
}

events::FormResult values_of(const events::Event& ev, const events::Settings& s) {
    events::FormResult r;
    r.values = {{"eventname", ev.name},
                {"startdate", events::to_input_datetime(ev.startdate)},
                {"enddate", events::to_input_datetime(ev.enddate)},
                {"location", ev.location},
                {"eventshortinfo", ev.shortinfo},
                {"max_participants", s.max_participants ? std::to_string(*s.max_participants) : ""},
                {"registration_open", s.registration_open ? "1" : ""},
                {"require_approval", s.require_approval ? "1" : ""}};
    return r;
}

FormPage edit_form(const events::Event& ev) {
    return {"Edit Event", "/events/edit/" + std::to_string(ev.id), "Save changes"};
}

}  // namespace

Response show_create_event(Ctx& ctx) {
    events::FormResult r;
    r.values["registration_open"] = "1";
    return form_page(ctx, {"Create Event", "/events/create", "Create event"}, r, 200);
}

Response create_event(Ctx& ctx) {
    const auto r = submitted(ctx);
    if (!r.errors.empty()) return form_page(ctx, {"Create Event", "/events/create", "Create event"}, r, 422);
    events::create_event(ctx.app, r.input, *ctx.user);
    return flash_redirect(ctx, "success", "Event created successfully!");
}

Response show_edit_event(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, "You can only edit your own events", bail);
    if (!ev) return bail;
    return form_page(ctx, edit_form(*ev), values_of(*ev, events::load_settings(ctx.app, ev->id)), 200);
}

Response edit_event(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, "You can only edit your own events", bail);
    if (!ev) return bail;
    const auto r = submitted(ctx);
    if (!r.errors.empty()) return form_page(ctx, edit_form(*ev), r, 422);
    events::update_event(ctx.app, *ev, r.input, *ctx.user);
    return flash_redirect(ctx, "success", "Event updated successfully!");
}

Response show_delete_event(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, "You can only delete your own events", bail);
    if (!ev) return bail;
    auto m = ctx.page("Delete Event");
    m["heading"] = "Delete this event?";
    m["event"] = event_model(*ev);
    m["message"] = "The event, its registration link and its participant list (" +
                   std::to_string(ev->participantcount) + " registered) will be removed. This cannot be undone.";
    m["action"] = "/events/delete/" + std::to_string(ev->id);
    m["button"] = "Delete event";
    m["danger"] = true;
    return Response::html(ctx.app.views().render("confirm", m));
}

Response delete_event(Ctx& ctx) {
    Response bail;
    const auto ev = owned_event(ctx, "You can only delete your own events", bail);
    if (!ev) return bail;
    events::delete_event(ctx.app, ev->id, *ctx.user);
    return flash_redirect(ctx, "success", "Event deleted successfully!");
}

}  // namespace ems
