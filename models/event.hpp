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

#include "models/store.hpp"
#include "models/user.hpp"

namespace ems::events {

// The PHP defaults. An event whose file cannot give valid settings is
// closed to registration (registration_open false) with `problem` saying
// why: never open and uncapped by accident.
struct Settings {
    bool registration_open = true;
    std::optional<long long> max_participants;  // none: no limit
    bool require_approval = false;
    bool listed = false;  // on the public listing (/events); ours, absent in PHP's files
    // The registration window (ours, absent in PHP's files): from `opens`,
    // until `closes` ("YYYY-MM-DD HH:MM:SS", "" for none), and not after
    // the event's start when close_at_start.
    std::string opens, closes;
    bool close_at_start = false;
    std::string problem;  // "" when the settings were read from a valid file
    // max_participants for at_capacity() (core/pagination.hpp).
    std::optional<std::size_t> capacity() const {
        if (!max_participants) return std::nullopt;
        return static_cast<std::size_t>(*max_participants);
    }
};

struct Event {
    std::int64_t id = 0;
    std::string name, startdate, enddate, location, shortinfo;  // dates "YYYY-MM-DD HH:MM:SS"
    std::string creator;  // uid as a string (INT or GUID column)
    std::string key, badgepath, infopath;
    long long participantcount = 0;
    // The whole description when read from the event file (load_description);
    // shortinfo holds its first 255 characters, on one line, as the PHP
    // column does. Empty: not read (shortinfo is all there is).
    std::string description;
};

// What the create/edit form yields after validation.
struct EventInput {
    std::string name, startdate, enddate, location, shortinfo;  // dates normalized
    std::string description;  // the whole text (lines kept); shortinfo is its start
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
inline constexpr std::size_t max_description = 5000;  // characters

// --- validation (models/event_validation.cpp), pure functions ---
// "YYYY-MM-DDTHH:MM", "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" with a real
// calendar date -> "YYYY-MM-DD HH:MM:SS"; nullopt otherwise.
std::optional<std::string> normalize_datetime(const std::string& s);
// "YYYY-MM-DD HH:MM:SS" -> "YYYY-MM-DDTHH:MM" for <input type=datetime-local>.
std::string to_input_datetime(const std::string& db_value);
// Upper-cased key when it is 8 (older keys) or 12 hex characters, else nullopt.
std::optional<std::string> normalize_key(const std::string& key);
// fields: the raw form values by name (the last one sent for each name).
// A setting that is absent takes its value from `base`: the PHP defaults
// on create, the current settings on edit. Present, a checkbox is off for
// "0", "", "false" and "off", on otherwise; an empty max_participants is
// no limit.
FormResult validate_event_form(const std::map<std::string, std::string>& fields,
                               const Settings& base = {});
// The JSON API's body: strings for the text fields, a bool for each flag,
// a whole number or null for max_participants, at the top level or inside
// "settings". On edit (`current` given) an absent text field keeps its
// value; an absent setting comes from `base` as above. Wrong types are
// field errors.
FormResult validate_event_json(const Json::Value& body, const Settings& base,
                               const Event* current = nullptr);
// Why an event file's settings cannot be used, or nullopt when they can:
// not an object, no "settings" object, registration_open or
// require_approval not a bool, max_participants not null, "", or a whole
// number (or digit string, as PHP's form stored it) from 1 to max_capacity.
// Absent keys inside "settings" take the PHP defaults. `ems-admin check`
// calls this too, so both say the same thing.
std::optional<std::string> settings_problem(const Json::Value& event_file);
// The settings of a file for which settings_problem() is nullopt.
Settings settings_of(const Json::Value& event_file);
// Lenient reading of user_credentials.attendedevents (NULL, "", numbers or
// strings) into event ids as strings, order kept, duplicates dropped.
std::vector<std::string> parse_attended(const std::string& json_text);
std::string format_attended(const std::vector<std::string>& ids);

// --- queries and writes (models/event.cpp) ---
std::optional<Event> find_event(db::Db& db, std::int64_t id, bool for_update = false);
// Through ems_event_keys; for keys it does not know (rows written by the
// PHP app after the migration), the lowest eventid with that key.
std::optional<Event> find_event_by_key(db::Db& db, const std::string& normalized_key);
// Events whose creator is uid, compared as strings; newest first.
std::vector<Event> events_created_by(db::Db& db, const std::string& uid);
std::vector<Event> events_by_ids(db::Db& db, const std::vector<std::string>& ids);
// Every events row, by id.
std::vector<Event> all_events(db::Db& db);
// Never throws for a bad file: a missing, unreadable, corrupt or
// ill-typed one gives closed settings with `problem` set.
Settings load_settings(Store& store, std::int64_t id);
// ev with `description` set from its event file: the file's whole text when
// it still begins as the column does (an edit by the PHP app changes only
// the column, and then the column wins), else ev.shortinfo. Never throws.
Event with_description(Store& store, Event ev);
// Why the window refuses a registration at `now` ("YYYY-MM-DD HH:MM:SS"):
// "Registration opens on ...", "Registration closed on ...", "Registration
// closed when the event started"; "" when the window is open.
std::string window_refusal(const Settings& s, const Event& ev, const std::string& now);
// The PHP column's value for a description: its first 255 characters, on
// one line (line breaks as spaces).
std::string shortinfo_of(const std::string& description);

struct Created {
    std::int64_t id = 0;
    bool replayed = false;  // the token had been used: the first create's event
};
// One transaction: the idempotency token (token_id from
// idempotency::token_id, "" for none), the row, its key in ems_event_keys,
// the event file with its settings written durably, then COMMIT. A crash
// or a storage error at any point leaves nothing, a complete event, or an
// event file without a row (no id is reused: InnoDB's AUTO_INCREMENT is
// persistent since MariaDB 10.2.4). A connection lost at COMMIT is
// answered by reading back. Storage errors propagate (503).
Created create_event(Store& store, const EventInput& in, const User& creator,
                     const std::string& token_id = "");
void update_event(Store& store, const Event& ev, const EventInput& in, const User& actor);
// Deletes the row, the attendees' list entries and both files; never the badge.
void delete_event(Store& store, std::int64_t id, const User& actor);
// Rewrites storage/events/<id>.json from the row, with the PHP keys, and
// when `description` is given (create, edit) our keys after them:
// "description" and "listed" (without: the file's stay).
void sync_event_file(storage::FileStorage& files, const Event& ev, const Settings& s,
                     schema::UidKind uid_kind, const std::string& actor, bool created,
                     const std::string* description = nullptr);

}  // namespace ems::events
