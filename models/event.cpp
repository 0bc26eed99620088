#include "models/event.hpp"

#include <ctime>
#include <stdexcept>

#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "models/event_index.hpp"
#include "models/idempotency.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::events {
namespace {

// eventcreator is INT (V2.0.2) or VARCHAR(36) (GUID script): read it as text.
// clang-format off
const db::RowMapping<Event> event_row{
    {"eventid", &Event::id}, {"eventname", &Event::name}, {"startdate", &Event::startdate},
    {"enddate", &Event::enddate}, {"location", &Event::location},
    {"eventshortinfo", &Event::shortinfo},
    {"CAST(eventcreator AS CHAR)", "eventcreator", &Event::creator},
    {"eventkey", &Event::key}, {"eventbadgepath", &Event::badgepath},
    {"eventinfopath", &Event::infopath}, {"participantcount", &Event::participantcount}};
// clang-format on
const std::string event_columns = "SELECT " + event_row.select_list() + " FROM events ";

Event to_event(const db::Row& r) {
    return event_row.read(r);
}

// 12 upper-case hex characters (48 bits) from the OS RNG, not used by any
// event: guessing at 360 keys a second (what the attack measured) among
// 10,000 events finds one in about 900 days on average; 32-bit keys fell
// in about 20 minutes. Older 8-character keys keep working (normalize_key).
// ems_event_keys holds every key ems gave out and, since the migration,
// every older one; the events check covers rows the PHP app added since.
std::string new_event_key(db::Db& db) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::string key = random_hex(6);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!db.query_one("SELECT 1 FROM ems_event_keys WHERE eventkey = ?", {key}) &&
            !db.query_one("SELECT 1 FROM events WHERE eventkey = ? LIMIT 1", {key}))
            return key;
    }
    throw std::runtime_error("could not find a free event key");
}

// Inside the create transaction: the key's row in ems_event_keys, whose
// primary key makes it unique; on a collision with a concurrent create,
// a new key for this row (only the key is retried).
std::string claim_event_key(db::Db& db, std::int64_t id, std::string key) {
    for (int attempt = 0;; ++attempt) {
        try {
            db.exec("INSERT INTO ems_event_keys (eventkey, eventid) VALUES (?, ?)",
                    {key, static_cast<long long>(id)});
            return key;
        } catch (const db::DbError& e) {
            if (!e.duplicate_key() || attempt >= 5) throw;
        }
        key = new_event_key(db);
        db.exec("UPDATE events SET eventkey = ? WHERE eventid = ?",
                {key, static_cast<long long>(id)});
    }
}

// After a failed create: the event file of a row that was never committed
// (an orphan). Best effort: `ems-admin check` reports what stays.
void remove_orphan_file(Store& store, std::int64_t id, const std::string& actor) noexcept {
    try {
        store.files().delete_event_data(id, actor);
    } catch (const std::exception&) {
    }
}

}  // namespace

std::optional<Event> find_event(db::Db& db, std::int64_t id, bool for_update) {
    auto row = db.query_one(event_columns + "WHERE eventid = ?" + (for_update ? " FOR UPDATE" : ""),
                            {static_cast<long long>(id)});
    if (!row) return std::nullopt;
    return to_event(*row);
}

std::optional<Event> find_event_by_key(db::Db& db, const std::string& key) {
    // One indexed query for a key ems knows; a key only the PHP table has
    // (an event the PHP app created) costs a second one, a scan of `events`.
    if (auto row = db.query_one(
            event_columns +
                "WHERE eventid = (SELECT eventid FROM ems_event_keys WHERE eventkey = ?)",
            {key}))
        return to_event(*row);
    auto row = db.query_one(event_columns +
                                "WHERE eventkey = ? AND NOT EXISTS (SELECT 1 FROM ems_event_keys "
                                "WHERE eventkey = ?) ORDER BY eventid LIMIT 1",
                            {key, key});
    if (!row) return std::nullopt;
    return to_event(*row);
}

std::vector<Event> events_created_by(db::Db& db, const std::string& uid) {
    std::vector<Event> out;
    // The indexed compare narrows the rows; the string compare below is the
    // real test (PHP compared a GUID as an integer and listed nothing).
    for (const auto& r :
         db.query(event_columns + "WHERE eventcreator = ? ORDER BY eventid DESC", {uid})) {
        auto e = to_event(r);
        if (e.creator == uid) out.push_back(std::move(e));
    }
    return out;
}

std::vector<Event> all_events(db::Db& db) {
    std::vector<Event> out;
    for (const auto& r : db.query(event_columns + "ORDER BY eventid")) out.push_back(to_event(r));
    return out;
}

std::vector<Event> events_by_ids(db::Db& db, const std::vector<std::string>& ids) {
    std::vector<Event> out;
    db::Params params;
    std::string in;
    for (const auto& id : ids) {
        const auto n = storage::parse_event_id(id);
        if (!n || params.size() >= 1000) continue;
        params.emplace_back(static_cast<long long>(*n));
        in += in.empty() ? "?" : ",?";
    }
    if (params.empty()) return out;
    for (const auto& r :
         db.query(event_columns + "WHERE eventid IN (" + in + ") ORDER BY startdate", params))
        out.push_back(to_event(r));
    return out;
}

Settings load_settings(Store& store, std::int64_t id) {
    Settings closed;
    closed.registration_open = false;
    try {
        const auto data = store.files().get_event_data(id);
        if (!data)
            closed.problem = "the event file is missing";
        else if (auto p = settings_problem(*data))
            closed.problem = *p;
        else
            return settings_of(*data);
    } catch (const std::exception& e) {
        closed.problem = std::string("the event file cannot be read: ") + e.what();
    }
    return closed;
}

std::string shortinfo_of(const std::string& description) {
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < description.size(); ++i) {
        const char c = description[i];
        const bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
        if (!continuation && chars++ == 255) break;
        out += c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
    }
    return out;
}

Event with_description(Store& store, Event ev) {
    ev.description = ev.shortinfo;
    try {
        const auto data = store.files().get_event_data(ev.id);
        if (!data || !data->isObject() || !(*data)["description"].isString()) return ev;
        auto text = (*data)["description"].asString();
        if (shortinfo_of(text) == ev.shortinfo) ev.description = std::move(text);
    } catch (const std::exception&) {
        // An unreadable file: the column's text (load_settings reports the file).
    }
    return ev;
}

void sync_event_file(storage::FileStorage& files, const Event& ev, const Settings& s,
                     schema::UidKind uid_kind, const std::string& actor, bool created,
                     const std::string* description) {
    // The PHP app's keys, order and types (Event::syncEventToFile): eventid
    // a string as it took it from the URL, eventcreator the uid column's type.
    storage::php_json::Object v{{"eventid", std::to_string(ev.id)},
                                {"eventname", ev.name},
                                {"startdate", ev.startdate},
                                {"enddate", ev.enddate},
                                {"location", ev.location},
                                {"eventshortinfo", ev.shortinfo},
                                {"eventcreator", schema::uid_json(uid_kind, ev.creator)},
                                {"eventkey", ev.key},
                                {"eventbadgepath", ev.badgepath},
                                {"eventinfopath", ev.infopath}};
    const auto now = time::db_datetime(time::now());
    if (created) v.add("created_at", now);  // otherwise save_event_data keeps the old one
    v.add("last_updated", now);
    const auto max = s.max_participants ? Json::Value(static_cast<Json::Int64>(*s.max_participants))
                                        : Json::Value();
    v.add("settings", storage::php_json::Object{{"registration_open", s.registration_open},
                                                {"max_participants", max},
                                                {"require_approval", s.require_approval}});
    // Ours, after the PHP keys (the PHP app neither reads nor writes them),
    // written by create and edit: the whole description, and whether the
    // event is on the public listing.
    if (description) {
        v.add("description", *description);
        v.add("listed", s.listed);
        v.add("registration_opens", s.opens.empty() ? Json::Value() : Json::Value(s.opens));
        v.add("registration_closes", s.closes.empty() ? Json::Value() : Json::Value(s.closes));
        v.add("close_at_start", s.close_at_start);
    }
    files.save_event_data(ev.id, v, actor);
}

namespace {

constexpr const char* create_kind = "event_create";

std::optional<std::int64_t> replayed_id(const std::string& result) {
    if (result.rfind("event:", 0) != 0) return std::nullopt;
    return storage::parse_event_id(result.substr(6));
}

// The part of create_event inside its transaction. `id` is set as soon as
// the row exists, `file_written` once the event file is on disk.
Created create_in_transaction(Store& store, const EventInput& in, const User& creator,
                              const std::string& token_id, std::int64_t& id, std::string& key,
                              bool& file_written) {
    auto& db = store.db();
    db::Transaction tx(db);
    if (!token_id.empty()) {
        if (const auto first = idempotency::claim(db, token_id, creator.uid, create_kind)) {
            const auto old = replayed_id(*first);
            if (!old) throw std::runtime_error("idempotency token without an event: " + *first);
            return {*old, true};
        }
    }
    key = new_event_key(db);
    db.exec(
        "INSERT INTO events (eventname, startdate, enddate, location, eventshortinfo, "
        "eventcreator, eventkey, "
        "eventbadgepath, eventinfopath, participantcount) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "'eventbadges/default.png', '', 0)",
        {in.name, in.startdate, in.enddate, in.location, in.shortinfo, creator.uid, key});
    id = static_cast<std::int64_t>(db.last_insert_id());
    key = claim_event_key(db, id, key);
    if (!token_id.empty()) idempotency::record(db, token_id, "event:" + std::to_string(id));
    const auto ev = find_event(db, id);
    if (!ev) throw std::runtime_error("event row vanished after insert");
    // Durable before COMMIT: a committed row always has its settings.
    index_event(db, *ev, in.settings.listed);
    sync_event_file(store.files(), *ev, in.settings, store.uid_kind(), actor_of(creator), true,
                    &in.description);
    file_written = true;
    tx.commit();
    return {id, false};
}

// After the connection was lost at COMMIT: a locking read on the key waits
// for a server thread still finishing that transaction, then tells.
bool committed(Store& store, const std::string& key, std::int64_t id) {
    auto& db = store.db();
    db::Transaction tx(db);
    const auto row = db.query_one(
        "SELECT eventid FROM ems_event_keys WHERE eventkey = ? LOCK IN SHARE MODE", {key});
    tx.commit();
    return row && row->num(0) == id;
}

}  // namespace

Created create_event(Store& store, const EventInput& in, const User& creator,
                     const std::string& token_id) {
    std::int64_t id = 0;
    std::string key;
    bool file_written = false;
    try {
        auto created = create_in_transaction(store, in, creator, token_id, id, key, file_written);
        if (!created.replayed) idempotency::purge_sometimes(store.db());
        return created;
    } catch (const db::CommitUnknown&) {
        // If the read-back fails too, the outcome stays unknown: the row (if
        // any) has its file, and a file without a row is what check reports.
        const bool done = committed(store, key, id);
        log::info("event " + std::to_string(id) +
                  ": connection lost at COMMIT of its creation; read back: " +
                  (done ? "committed" : "rolled back, its file removed"));
        if (done) return {id, false};
        remove_orphan_file(store, id, actor_of(creator));
        throw;
    } catch (const db::DbError&) {
        // Any other database error: the transaction was rolled back.
        if (file_written) remove_orphan_file(store, id, actor_of(creator));
        throw;
    } catch (const storage::StorageError&) {
        // Rolled back; a rename that happened before a failed folder fsync
        // may have left the file of this never-committed id.
        if (id) remove_orphan_file(store, id, actor_of(creator));
        throw;
    }
}

void update_event(Store& store, const Event& old, const EventInput& in, const User& actor) {
    // The row lock taken by UPDATE is the one registrations take, so they
    // never read settings half-way through an edit.
    db::Transaction tx(store.db());
    store.db().exec(
        "UPDATE events SET eventname = ?, startdate = ?, enddate = ?, location = ?, eventshortinfo "
        "= ? "
        "WHERE eventid = ?",
        {in.name, in.startdate, in.enddate, in.location, in.shortinfo,
         static_cast<long long>(old.id)});
    const auto ev = find_event(store.db(), old.id);
    if (ev) index_event(store.db(), *ev, in.settings.listed);
    if (ev)
        sync_event_file(store.files(), *ev, in.settings, store.uid_kind(), actor_of(actor), false,
                        &in.description);
    tx.commit();
}

}  // namespace ems::events
