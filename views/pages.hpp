// Typed view models: one struct per page, so a misspelt field is a compile
// error instead of a blank in the page. Each converts to the template data
// in one place (pages.cpp); the links in them are filled by the handlers
// from route names (url_for), never pasted together.
#pragma once
#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ems::pages {

// The site's identity (the configuration's site_* keys), the same on every
// page: {{site.name}}, and {{site.logo_url}}, {{site.privacy_url}},
// {{site.imprint_url}} when set.
struct Site {
    std::string name = "Event Management System";
    std::string logo_url, privacy_url, imprint_url;  // empty: not shown
    std::string time_zone = {};  // named after event times when set ({{site.time_zone}})
};

// What the layout shows on every page.
struct Layout {
    struct User {
        std::string fname, fullname, uid;
    };
    struct Flash {
        std::string type;  // "success" or "error"
        std::string message;
    };
    std::string title;
    std::string csrf_token;
    std::optional<User> user;  // signed in: the nav
    std::optional<Flash> flash;
};

// One input of views/_field.mustache.
struct Field {
    std::string name, label, type, autocomplete, value, error;
    bool required = true;
};

// An event as the pages (and the API) show it.
struct Event {
    std::string id, name, startdate, enddate, start_display, end_display, location, shortinfo;
    long long participantcount = 0;
};

struct Login {
    Layout layout;
    std::vector<Field> fields;
    std::string form_error;  // empty: none
    std::string purpose;     // e.g. "Sign in to register for NAME"; empty: none
};

struct CreatedEvent {
    Event event;
    std::string edit_url, manage_url, delete_url;
};

struct AttendedEvent {
    Event event;
    std::string page_url;  // the event's page: its registration link
    std::string cancel_url;
    bool pending = false;             // waiting for the organizer's approval
    bool status_unavailable = false;  // the event's participant list could not be read
};

struct Dashboard {
    Layout layout;
    std::string fullname;
    std::vector<CreatedEvent> created;
    std::vector<AttendedEvent> attended;
    long long participants = 0;  // over the created events
};

struct Badges {
    Layout layout;
    std::vector<AttendedEvent> badges;
};

// A participant row. `joined_at` and `status` are the file's values (the
// <time datetime> and the machine formats); what people read is
// `joined_display` ("30 Nov 2026, 02:11") and `status_label` ("Waiting for
// approval"), with `status_tag` the tag's class ("ok" or "warn").
struct Participant {
    std::string name, email, joined_at, status;
    bool pending = false;
    // The forms a row shows: approve and decline while pending, else remove.
    std::string approve_url, decline_url, remove_url;
    std::string joined_display, status_label, status_tag;
};

// A row of the streamed whole list (views/row_template.hpp): views into
// the cached participant list and the handler's buffers, valid for the
// row's render only.
struct ParticipantRow {
    std::string_view name, email, joined_at, status;
    bool pending = false;
    std::string_view approve_url, decline_url, remove_url;
    std::string_view joined_display, status_label, status_tag;
};

// The same row as views into p (valid while p lives).
ParticipantRow row_view(const Participant& p);

struct Paging {
    std::size_t page = 1, pages = 0;
    std::string prev_url, next_url, all_url;  // empty: no such page
};

// Registrations over time (handlers/event_chart.cpp): SVG path data in a
// 600 x 140 view box, drawn by views/_chart.mustache.
struct Chart {
    std::string line, area;           // path data: the cumulative count, the area under it
    std::string first_day, last_day;  // axis labels (display dates)
    std::string first_iso, last_iso;  // the same as YYYY-MM-DD
    std::size_t max = 0;              // the count at the end (the top of the axis)
    std::string summary;              // the chart in words, for screen readers
};

struct EventManage {
    Layout layout;
    Event event;
    std::string edit_url, duplicate_url, key, register_url, csv_url;
    bool registration_open = false, require_approval = false;
    std::string max_participants;           // a number or "No limit"
    std::vector<Participant> participants;  // this page's rows
    std::size_t total = 0, pending_count = 0;
    std::optional<Paging> paging;  // none when the whole list is shown
    std::optional<Chart> chart;    // none without registrations
};

// The template data of each model. Layout, Field and Event are the parts
// the untyped pages still build on.
Json::Value to_model(const Layout& p);
Json::Value to_model(const Field& f);
Json::Value to_model(const Event& e);
Json::Value to_model(const Login& p);
Json::Value to_model(const Dashboard& p);
// Without the created events' rows (an empty list), which render(Dashboard)
// writes through its row template; the counts are those of p.created.
Json::Value to_model(const Dashboard& p, bool created_rows);
Json::Value to_model(const Badges& p);
Json::Value to_model(const EventManage& p);

}  // namespace ems::pages
