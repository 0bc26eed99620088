#include "models/event.hpp"

#include <ctime>
#include <stdexcept>

#include "fcgi/text.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::events {
namespace {

// eventcreator is INT (V2.0.2) or VARCHAR(36) (GUID script): read it as text.
const char* const event_columns =
    "SELECT eventid, eventname, startdate, enddate, location, eventshortinfo, "
    "CAST(eventcreator AS CHAR), eventkey, eventbadgepath, eventinfopath, participantcount FROM events ";

Event to_event(const db::Row& r) {
    Event e;
    e.id = r.num(0);
    e.name = r.str(1);
    e.startdate = r.str(2);
    e.enddate = r.str(3);
    e.location = r.str(4);
    e.shortinfo = r.str(5);
    e.creator = r.str(6);
    e.key = r.str(7);
    e.badgepath = r.str(8);
    e.infopath = r.str(9);
    e.participantcount = r.num(10);
    return e;
}

// 8 upper-case hex characters from the OS RNG. The PHP table has no unique
// index on eventkey (and ems never alters it), so collisions are checked.
std::string new_event_key(db::Db& db) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::string key = random_hex(4);
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!db.query_one("SELECT 1 FROM events WHERE eventkey = ? LIMIT 1", {key})) return key;
    }
    throw std::runtime_error("could not find a free event key");
}

}  // namespace


std::optional<Event> find_event(db::Db& db, std::int64_t id, bool for_update) {
    auto row = db.query_one(std::string(event_columns) + "WHERE eventid = ?" + (for_update ? " FOR UPDATE" : ""),
                            {static_cast<long long>(id)});
    if (!row) return std::nullopt;
    return to_event(*row);
}

std::optional<Event> find_event_by_key(db::Db& db, const std::string& key) {
    auto row = db.query_one(std::string(event_columns) + "WHERE eventkey = ? ORDER BY eventid LIMIT 1", {key});
    if (!row) return std::nullopt;
    return to_event(*row);
}

std::vector<Event> events_created_by(db::Db& db, const std::string& uid) {
    std::vector<Event> out;
    // The indexed compare narrows the rows; the string compare below is the
    // real test (PHP compared a GUID as an integer and listed nothing).
    for (const auto& r : db.query(std::string(event_columns) + "WHERE eventcreator = ? ORDER BY eventid DESC", {uid})) {
        auto e = to_event(r);
        if (e.creator == uid) out.push_back(std::move(e));
    }
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
    for (const auto& r : db.query(std::string(event_columns) + "WHERE eventid IN (" + in + ") ORDER BY startdate",
                                  params))
        out.push_back(to_event(r));
    return out;
}

Settings load_settings(App& app, std::int64_t id) {
    Settings s;
    const auto data = app.files().get_event_data(id);
    if (!data || !(*data)["settings"].isObject()) return s;
    const auto& v = (*data)["settings"];
    if (v["registration_open"].isBool()) s.registration_open = v["registration_open"].asBool();
    if (v["require_approval"].isBool()) s.require_approval = v["require_approval"].asBool();
    const auto& max = v["max_participants"];
    if (max.isIntegral() && max.asLargestInt() > 0) s.max_participants = max.asLargestInt();
    else if (max.isString() && !max.asString().empty() && max.asString().find_first_not_of("0123456789") == std::string::npos &&
             max.asString().size() < 10)
        s.max_participants = std::stoll(max.asString());
    return s;
}

void sync_event_file(App& app, const Event& ev, const Settings& s, const std::string& actor, bool created) {
    Json::Value v(Json::objectValue);
    v["eventid"] = std::to_string(ev.id);
    v["eventname"] = ev.name;
    v["startdate"] = ev.startdate;
    v["enddate"] = ev.enddate;
    v["location"] = ev.location;
    v["eventshortinfo"] = ev.shortinfo;
    v["eventcreator"] = ev.creator;
    v["eventkey"] = ev.key;
    v["eventbadgepath"] = ev.badgepath;
    v["eventinfopath"] = ev.infopath;
    const auto now = local_time_now();
    if (created) v["created_at"] = now;  // otherwise save_event_data keeps the old one
    v["last_updated"] = now;
    v["settings"]["registration_open"] = s.registration_open;
    v["settings"]["max_participants"] =
        s.max_participants ? Json::Value(static_cast<Json::Int64>(*s.max_participants)) : Json::Value();
    v["settings"]["require_approval"] = s.require_approval;
    // The PHP app's key order, so a diff against its files stays readable.
    storage::set_member_order(v, {"eventid", "eventname", "startdate", "enddate", "location", "eventshortinfo",
                                  "eventcreator", "eventkey", "eventbadgepath", "eventinfopath", "created_at",
                                  "last_updated", "settings"});
    storage::set_member_order(v["settings"], {"registration_open", "max_participants", "require_approval"});
    app.files().save_event_data(ev.id, v, actor);
}

std::int64_t create_event(App& app, const EventInput& in, const User& creator) {
    auto& db = app.db();
    const auto key = new_event_key(db);
    db.exec("INSERT INTO events (eventname, startdate, enddate, location, eventshortinfo, eventcreator, eventkey, "
            "eventbadgepath, eventinfopath, participantcount) VALUES (?, ?, ?, ?, ?, ?, ?, 'eventbadges/default.png', '', 0)",
            {in.name, in.startdate, in.enddate, in.location, in.shortinfo, creator.uid, key});
    const auto id = static_cast<std::int64_t>(db.last_insert_id());
    const auto ev = find_event(db, id);
    if (!ev) throw std::runtime_error("event row vanished after insert");
    sync_event_file(app, *ev, in.settings, actor_of(creator), true);
    return id;
}

void update_event(App& app, const Event& old, const EventInput& in, const User& actor) {
    // The row lock taken by UPDATE is the one registrations take, so they
    // never read settings half-way through an edit.
    db::Transaction tx(app.db());
    app.db().exec("UPDATE events SET eventname = ?, startdate = ?, enddate = ?, location = ?, eventshortinfo = ? "
                  "WHERE eventid = ?",
                  {in.name, in.startdate, in.enddate, in.location, in.shortinfo, static_cast<long long>(old.id)});
    const auto ev = find_event(app.db(), old.id);
    if (ev) sync_event_file(app, *ev, in.settings, actor_of(actor), false);
    tx.commit();
}

}  // namespace ems::events
