#include "models/event_participation.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/participant_status.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "models/event_index.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::events {

std::optional<std::vector<std::string>> edit_attended(db::Db& db, const std::string& uid,
                                                      const AttendedChanges& changes) {
    const auto row = db.query_one(
        "SELECT attendedevents FROM user_credentials WHERE uid = CAST(? AS CHAR) FOR UPDATE",
        {uid});
    if (!row) return std::nullopt;
    auto ids = parse_attended(row->str("attendedevents"));
    bool changed = false;
    for (const auto& [event_id, add] : changes) {
        const bool present = std::find(ids.begin(), ids.end(), event_id) != ids.end();
        if (add == present) continue;
        if (add)
            ids.push_back(event_id);
        else
            ids.erase(std::remove(ids.begin(), ids.end(), event_id), ids.end());
        changed = true;
    }
    if (changed)
        db.exec("UPDATE user_credentials SET attendedevents = ? WHERE uid = CAST(? AS CHAR)",
                {format_attended(ids), uid});
    return ids;
}

long long store_count(db::Db& db, storage::FileStorage& files, std::int64_t id) {
    const auto n = static_cast<long long>(files.count_participants(id));
    db.exec("UPDATE events SET participantcount = ? WHERE eventid = ?",
            {n, static_cast<long long>(id)});
    return n;
}

namespace {

using storage::AddResult;

void store_count(Store& store, std::int64_t id) {
    events::store_count(store.db(), store.files(), id);
}

void edit_attended(db::Db& db, const std::string& uid, const std::string& event_id, bool add) {
    events::edit_attended(db, uid, AttendedChanges{{event_id, add}});
}

// The id into the user's attended list in one statement when the list read
// with the session is still the stored one (compare-and-set under the row's
// lock); otherwise, or when the id is already there, the locked read and
// write of edit_attended.
void add_attended(db::Db& db, const User& user, const std::string& event_id) {
    auto ids = parse_attended(user.attendedevents);
    if (std::find(ids.begin(), ids.end(), event_id) == ids.end()) {
        ids.push_back(event_id);
        // Byte for byte (a NULL list never matches: the locked path reads it).
        if (db.exec("UPDATE user_credentials SET attendedevents = ? WHERE uid = CAST(? AS CHAR) "
                    "AND CAST(attendedevents AS BINARY) = CAST(? AS BINARY)",
                    {format_attended(ids), user.uid, user.attendedevents}) == 1)
            return;
    }
    edit_attended(db, user.uid, event_id, true);
}

}  // namespace

namespace {

struct Attempt {
    bool file_written = false;
    bool pending = false;
    AddResult added = AddResult::added;
};

Outcome register_once(Store& store, std::int64_t id, const User& user, Attempt& a) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return Outcome::not_found;
    const auto s = load_settings(store, id);
    if (!s.problem.empty()) {
        log::error("event " + std::to_string(id) +
                   ": registration refused, settings unusable: " + s.problem);
        return Outcome::unavailable;
    }
    if (!s.registration_open) return Outcome::closed;
    const auto entry = participant_entry(store.uid_kind(), user, s.require_approval);
    a.added =
        store.files().add_participant_to_event(id, user.uid, entry, actor_of(user), s.capacity());
    if (a.added == AddResult::full) return Outcome::full;
    a.file_written = true;
    a.pending = s.require_approval;
    // Also on a repeat: a crash after an earlier file write left the DB
    // behind; this brings count and list up to the file (no-ops otherwise).
    store_count(store, id);
    add_attended(db, user, std::to_string(id));
    tx.commit();
    if (a.added == AddResult::already_present) return Outcome::already_registered;
    return a.pending ? Outcome::pending : Outcome::registered;
}

// The database part again, in a new transaction on a new connection.
void redo_database_part(Store& store, std::int64_t id, const std::string& uid) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return;
    store_count(store, id);
    edit_attended(db, uid, std::to_string(id), true);
    tx.commit();
}

}  // namespace

Outcome register_for_event(Store& store, std::int64_t id, const User& user) {
    Attempt a;
    // The participants record is written under the event's row lock but made
    // durable after the commit released it: concurrent registrations wait
    // for the disk together (one ext4 journal commit and one InnoDB group
    // commit serve many), not one after another. The answer waits for both
    // (docs/EVENTS.md, "Registration as one operation").
    storage::DeferredSync durable;
    try {
        const auto o = register_once(store, id, user, a);
        durable.sync();
        return o;
    } catch (const db::DbError& e) {
        // Before the file write nothing happened: the error stands (503).
        // After it the person is registered, whatever the database said.
        if (!a.file_written) throw;
        log::info("event " + std::to_string(id) +
                  ": database error after the participants file write of uid " + user.uid + " (" +
                  e.what() + "); redoing the database part");
    }
    try {
        redo_database_part(store, id, user.uid);
    } catch (const db::DbError& e) {
        // The person is in the file; count and list are healed by their next
        // attempt or by `ems-admin check --repair`.
        log::error("event " + std::to_string(id) + ": database part for uid " + user.uid +
                   " left behind the participants file: " + e.what());
    }
    durable.sync();
    if (a.added == AddResult::already_present) return Outcome::already_registered;
    return a.pending ? Outcome::pending : Outcome::registered;
}

Outcome remove_participant(Store& store, std::int64_t id, const std::string& uid,
                           const std::string& actor) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return Outcome::not_found;
    const bool removed = store.files().remove_participant_from_event(id, uid, actor);
    store_count(store, id);
    edit_attended(db, uid, std::to_string(id), false);
    tx.commit();
    return removed ? Outcome::done : Outcome::not_registered;
}

Outcome approve_participant(Store& store, std::int64_t id, const std::string& uid,
                            const std::string& actor) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return Outcome::not_found;
    Json::Value fields(Json::objectValue);
    fields["status"] = to_php(ParticipantStatus::registered);
    const bool ok = store.files().update_participant(id, uid, fields, actor);
    tx.commit();
    return ok ? Outcome::done : Outcome::not_registered;
}

void delete_event(Store& store, std::int64_t id, const User& actor) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return;
    // Under the row lock no registration can add to the list we read.
    const auto list = store.files().get_event_participants(id);
    db.exec("DELETE FROM events WHERE eventid = ?", {static_cast<long long>(id)});
    db.exec("DELETE FROM ems_event_keys WHERE eventid = ?", {static_cast<long long>(id)});
    unindex_event(db, id);
    for (const auto& [uid, entry] : *list) edit_attended(db, uid, std::to_string(id), false);
    tx.commit();
    // After the commit: a crash here leaves orphan files (reported by
    // `ems-admin check`), never a row whose participants are gone. The badge
    // path is not touched: eventbadges/default.png is shared by every event.
    store.files().delete_event_data(id, actor_of(actor));
}

// User::addAttendedEvent's entry.
Json::Value participant_entry(schema::UidKind uid_kind, const User& u, bool pending,
                              const std::string& joined_at) {
    return storage::php_json::Object{
        {"uid", schema::uid_json(uid_kind, u.uid)},
        {"joined_at", joined_at.empty() ? time::db_datetime(time::now()) : joined_at},
        {"status", to_php(pending ? ParticipantStatus::pending : ParticipantStatus::registered)},
        {"name", u.fullname.empty() ? u.fname + " " + u.lname : u.fullname},
        {"email", u.email}};
}

std::string outcome_message(Outcome o, const std::string& name) {
    // The PHP app's messages; the event's name goes between the two parts.
    static constexpr struct {
        Outcome outcome;
        const char* text;
        const char* after_name;  // nullptr: no name in the message
    } messages[] = {
        {Outcome::registered, "Successfully registered for ", ""},
        {Outcome::pending, "Your registration for ", " is waiting for approval by the organizer"},
        {Outcome::already_registered, "You are already registered for this event", nullptr},
        {Outcome::full, "This event is full", nullptr},
        {Outcome::closed, "Registration is closed for this event", nullptr},
        {Outcome::unavailable,
         "Registration is unavailable for this event right now: its settings need attention "
         "from the organizer.",
         nullptr},
        {Outcome::not_found, "Event not found", nullptr},
        {Outcome::not_registered, "You are not registered for this event", nullptr},
        {Outcome::done, "Done", nullptr},
    };
    for (const auto& m : messages)
        if (m.outcome == o) return m.after_name ? m.text + name + m.after_name : m.text;
    return {};
}

}  // namespace ems::events
