#include "views/ical.hpp"

#include <libical/ical.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>

namespace ems::ical {
namespace {

struct ComponentFree {
    void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentFree>;

icaltimetype floating(const std::string& db_value) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (db_value.size() != 19 ||
        std::sscanf(db_value.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
        throw std::runtime_error("ical: not a YYYY-MM-DD HH:MM:SS time: " + db_value);
    if (mo < 1 || mo > 12 || d < 1 || d > icaltime_days_in_month(mo, y) || h > 23 || mi > 59 ||
        s > 59)
        throw std::runtime_error("ical: not a valid time: " + db_value);
    icaltimetype t = icaltime_null_time();
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = h;
    t.minute = mi;
    t.second = s;
    t.is_date = 0;
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        throw std::runtime_error("ical: not a valid time: " + db_value);
    return t;
}

}  // namespace

std::string calendar(const std::vector<Event>& events, const std::string& name) {
    Component cal(icalcomponent_new_vcalendar());
    icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal.get(), icalproperty_new_prodid("-//ems//Event Management//EN"));
    icalcomponent_add_property(cal.get(), icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal.get(), icalproperty_new_method(ICAL_METHOD_PUBLISH));
    if (!name.empty()) {
        icalproperty* x = icalproperty_new_x(name.c_str());
        icalproperty_set_x_name(x, "X-WR-CALNAME");
        icalcomponent_add_property(cal.get(), x);
    }
    const auto stamp = icaltime_current_time_with_zone(icaltimezone_get_utc_timezone());
    std::set<std::string> zones;  // VTIMEZONEs added
    for (const auto& e : events) {
        icalcomponent* ev = icalcomponent_new_vevent();
        icalcomponent_add_component(cal.get(), ev);  // freed with the calendar
        icalcomponent_add_property(ev, icalproperty_new_uid(e.uid.c_str()));
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
        icalproperty* start = icalproperty_new_dtstart(floating(e.start));
        icalproperty* end = icalproperty_new_dtend(floating(e.end));
        icaltimezone* zone =
            e.tzid.empty() ? nullptr : icaltimezone_get_builtin_timezone(e.tzid.c_str());
        if (zone) {
            icalproperty_add_parameter(start, icalparameter_new_tzid(e.tzid.c_str()));
            icalproperty_add_parameter(end, icalparameter_new_tzid(e.tzid.c_str()));
            if (zones.insert(e.tzid).second) {
                // libical names its zones "/freeassociation.sourceforge.net/NAME":
                // the VTIMEZONE says NAME, as the events' TZID does.
                icalcomponent* vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
                if (icalproperty* id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY))
                    icalproperty_set_tzid(id, e.tzid.c_str());
                icalcomponent_add_component(cal.get(), vtz);
            }
        }
        icalcomponent_add_property(ev, start);
        icalcomponent_add_property(ev, end);
        icalcomponent_add_property(ev, icalproperty_new_summary(e.summary.c_str()));
        if (!e.location.empty())
            icalcomponent_add_property(ev, icalproperty_new_location(e.location.c_str()));
        if (!e.description.empty())
            icalcomponent_add_property(ev, icalproperty_new_description(e.description.c_str()));
        if (!e.url.empty()) icalcomponent_add_property(ev, icalproperty_new_url(e.url.c_str()));
        icalcomponent_add_property(
            ev,
            icalproperty_new_status(e.cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    }
    char* text = icalcomponent_as_ical_string_r(cal.get());
    if (!text) throw std::runtime_error("ical: the calendar could not be written");
    std::string out(text);
    icalmemory_free_buffer(text);
    return out;
}

std::string file_name(const std::string& event_name) {
    std::string out;
    for (char c : event_name) {
        if (out.size() >= 60) break;
        if (std::isalnum(static_cast<unsigned char>(c)))
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return (out.empty() ? "event" : out) + ".ics";
}

}  // namespace ems::ical
