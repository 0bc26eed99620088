// iCalendar (RFC 5545) files of events, built with libical: one VEVENT per
// event in a VCALENDAR (the "Add to calendar" file, the mail attachment).
#pragma once
#include <string>
#include <vector>

namespace ems::ical {

struct Event {
    std::string uid;  // stable per event, e.g. event-<key>@<host>
    std::string summary, description, location, url;
    std::string start, end;  // "YYYY-MM-DD HH:MM:SS", the site's wall-clock time
    bool cancelled = false;  // STATUS:CANCELLED (a deleted event)
    std::string tzid = {};   // the site's time zone: TZID and a VTIMEZONE; "": floating
};

// A VCALENDAR with one VEVENT per event. Times are the site's wall clock,
// as the events table stores them: with the event's TZID and the zone's
// VTIMEZONE (from the system's zoneinfo) when it names one, else floating.
// DTSTAMP is now, in UTC. Text is escaped by libical. Throws std::runtime_error
// for a time that is not "YYYY-MM-DD HH:MM:SS".
std::string calendar(const std::vector<Event>& events, const std::string& name = "");

// A safe file name for an event's .ics: its name's letters, digits and
// dashes, at most 60, then ".ics" ("event.ics" when none is left).
std::string file_name(const std::string& event_name);

}  // namespace ems::ical
