// The events row as a plain struct, its settings (kept in the event file,
// as the PHP app stored them), and the queries and writes on both.
// Participation (register, cancel, approve) lives in models/event_participation.cpp.
#pragma once
#include <json/json.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fcgi/app.hpp"
#include "models/user.hpp"

namespace ems::events {

struct Settings {
    bool registration_open = true;
    std::optional<long long> max_participants;  // none: no limit
    bool require_approval = false;
};

struct Event {
    std::int64_t id = 0;
    std::string name, startdate, enddate, location, shortinfo;  // dates "YYYY-MM-DD HH:MM:SS"
    std::string creator;  // uid as a string (INT or GUID column)
    std::string key, badgepath, infopath;
    long long participantcount = 0;
};

// What the create/edit form yields after validation.
struct EventInput {
    std::string name, startdate, enddate, location, shortinfo;  // dates normalized
    Settings settings;
};

// Field values as typed (for re-rendering) and errors keyed by field name.
struct FormResult {
    std::map<std::string, std::string> values;
    std::map<std::string, std::string> errors;
    std::string form_error;  // the PHP message shown at the top
    EventInput input;
};

inline constexpr long long max_capacity = 1000000;

// --- validation (models/event_validation.cpp), pure functions ---
// "YYYY-MM-DDTHH:MM", "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" with a real
// calendar date -> "YYYY-MM-DD HH:MM:SS"; nullopt otherwise.
std::optional<std::string> normalize_datetime(const std::string& s);
// "YYYY-MM-DD HH:MM:SS" -> "YYYY-MM-DDTHH:MM" for <input type=datetime-local>.
std::string to_input_datetime(const std::string& db_value);
// Upper-cased key when it is 8 hex characters, else nullopt.
std::optional<std::string> normalize_key(const std::string& key);
// fields: the raw form values by name (checkboxes present = on).
FormResult validate_event_form(const std::map<std::string, std::string>& fields);
// Lenient reading of user_credentials.attendedevents (NULL, "", numbers or
// strings) into event ids as strings, order kept, duplicates dropped.
std::vector<std::string> parse_attended(const std::string& json_text);
std::string format_attended(const std::vector<std::string>& ids);

// --- queries and writes (models/event.cpp) ---
std::optional<Event> find_event(db::Db& db, std::int64_t id, bool for_update = false);
std::optional<Event> find_event_by_key(db::Db& db, const std::string& normalized_key);
// Events whose creator is uid, compared as strings; newest first.
std::vector<Event> events_created_by(db::Db& db, const std::string& uid);
std::vector<Event> events_by_ids(db::Db& db, const std::vector<std::string>& ids);
Settings load_settings(App& app, std::int64_t id);
// Inserts the row with a new unique key, writes the event file; returns the id.
std::int64_t create_event(App& app, const EventInput& in, const User& creator);
void update_event(App& app, const Event& ev, const EventInput& in, const User& actor);
// Deletes the row, the attendees' list entries and both files; never the badge.
void delete_event(App& app, std::int64_t id, const User& actor);
// Rewrites storage/events/<id>.json from the row, with the PHP keys.
void sync_event_file(App& app, const Event& ev, const Settings& s, const std::string& actor, bool created);

}  // namespace ems::events
