#include "models/migration.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "core/actor.hpp"
#include "core/json_read.hpp"
#include "models/account.hpp"
#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "models/user.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::migration {
namespace {

using events::Event;
using storage::AddResult;
using storage::php_json::Object;

// A value of a PHP-written file as text: PHP wrote ids and flags as numbers
// or strings depending on where they came from.
std::string text(const Json::Value& v) {
    if (v.isNull()) return "";
    if (v.isString()) return v.asString();
    if (v.isBool()) return v.asBool() ? "1" : "0";
    if (v.isIntegral()) return std::to_string(v.asLargestInt());
    return storage::encode_php_json(v, false);
}

bool is_int_uid(const std::string& uid) {
    return !uid.empty() && uid.size() <= 19 && uid[0] != '0' &&
           std::all_of(uid.begin(), uid.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool user_file_current(const Json::Value& f, const User& u) {
    return f.isObject() && text(f["uid"]) == u.uid && text(f["fname"]) == u.fname &&
           text(f["mname"]) == u.mname && text(f["lname"]) == u.lname &&
           text(f["email"]) == u.email && text(f["profilepicture"]) == u.profilepicture &&
           text(f["emailverified"]) == (u.emailverified ? "1" : "0");
}

bool event_file_current(const Json::Value& f, const Event& e) {
    // clang-format off
    const std::pair<const char*, const std::string*> fields[] = {
        {"eventname", &e.name}, {"startdate", &e.startdate}, {"enddate", &e.enddate},
        {"location", &e.location}, {"eventshortinfo", &e.shortinfo}, {"eventcreator", &e.creator},
        {"eventkey", &e.key}, {"eventbadgepath", &e.badgepath}, {"eventinfopath", &e.infopath}};
    // clang-format on
    if (!f.isObject() || text(f["eventid"]) != std::to_string(e.id)) return false;
    for (const auto& [key, value] : fields)
        if (text(f[key]) != *value) return false;
    return !events::settings_problem(f);
}

// One registration found in the database.
struct Wanted {
    std::string uid;
    std::string joined_at;  // "" = the time it is written
    bool from_table = false;
};

// Every (event, uid) the database says is a registration, in the order
// PHP's script took them (attendedevents by user, then the legacy table),
// each once; what cannot be taken is said in `skipped`.
struct Sources {
    std::map<std::int64_t, std::vector<Wanted>> by_event;
    std::vector<std::string> skipped;
    std::size_t total = 0;
};

Sources collect(Store& store, const std::vector<Event>& all, const std::vector<User>& users,
                std::optional<std::int64_t> only, const std::map<std::string, std::string>& rekey) {
    Sources s;
    std::set<std::int64_t> exists;
    for (const auto& e : all) exists.insert(e.id);
    std::map<std::pair<std::int64_t, std::string>, std::size_t> seen;
    auto want = [&](std::int64_t id, const std::string& uid, const std::string& joined,
                    bool from_table) {
        if (only && *only != id) return;
        auto [it, fresh] = seen.try_emplace({id, uid}, s.by_event[id].size());
        if (fresh) {
            s.by_event[id].push_back({uid, joined, from_table});
            ++s.total;
        } else if (!joined.empty()) {  // the table knows when; attendedevents does not
            auto& w = s.by_event[id][it->second];
            w.joined_at = joined;
            w.from_table = true;
        }
    };
    std::map<std::string, const User*> user_of;
    for (const auto& u : users) user_of[u.uid] = &u;
    for (const auto& u : users) {
        if (u.attendedevents.empty()) continue;  // NULL or '': no registrations
        const auto list = read_json(u.attendedevents, JsonReadOptions::php_file());
        if (!list || !list->isArray()) {
            s.skipped.push_back("user " + u.uid + ": attendedevents is not a JSON list (" +
                                u.attendedevents.substr(0, 60) + "): nothing taken from it");
            continue;
        }
        for (const auto& item : *list) {
            const auto raw = text(item);
            const auto id = storage::parse_event_id(raw);
            if (!id || !(item.isString() || item.isIntegral())) {
                s.skipped.push_back("user " + u.uid + ": attendedevents item " +
                                    storage::encode_php_json(item, false) + " is not an event id");
            } else if (!exists.count(*id)) {
                if (!only || *only == *id)
                    s.skipped.push_back("user " + u.uid + ": attendedevents lists event " + raw +
                                        ", which does not exist");
            } else {
                want(*id, u.uid, "", false);
            }
        }
    }
    for (const auto& r :
         store.db().query("SELECT eventid, CAST(uid AS CHAR) AS uid, "
                          "COALESCE(DATE_FORMAT(join_time, '%Y-%m-%d %H:%i:%s'), '') AS joined "
                          "FROM event_participants ORDER BY join_time, eventid, uid")) {
        const auto id = r.num("eventid");
        auto uid = r.str("uid");
        const auto label =
            "event_participants row (event " + std::to_string(id) + ", uid " + uid + "): ";
        if (only && *only != id) continue;
        if (auto m = rekey.find(uid); m != rekey.end()) uid = m->second;
        if (!exists.count(id))
            s.skipped.push_back(label + "event " + std::to_string(id) + " does not exist");
        else if (!user_of.count(uid))
            s.skipped.push_back(label + "no such user" +
                                (is_int_uid(uid) && store.uid_kind() == schema::UidKind::guid
                                     ? " (the uids are GUIDs now: see rekey-uids)"
                                     : ""));
        else
            want(id, uid, r.str("joined"), true);
    }
    return s;
}

// The entry PHP's script wrote: the registration's keys, then the
// profile picture and where it came from.
Json::Value migrated_entry(Store& store, const User& u, const Wanted& w) {
    const auto entry = events::participant_entry(store.uid_kind(), u, false, w.joined_at);
    return storage::merge_preserving(
        entry,
        Object{{"profile_picture", u.profilepicture.empty() ? "default.png" : u.profilepicture},
               {w.from_table ? "migrated_from_participants_table" : "migrated_from_db", true}});
}

class Run {
  public:
    Run(Store& store, const Options& o) : store_(store), o_(o) { report_.dry_run = o.dry_run; }

    Report go() {
        auto& db = store_.db();
        const auto all = events::all_events(db);
        const auto users = all_users(db);
        for (const auto& u : users) user_of_[u.uid] = &u;
        auto sources = collect(store_, all, users, o_.event, o_.rekey);
        report_.skipped = sources.skipped;
        std::vector<const Event*> scope;
        for (const auto& e : all)
            if (!o_.event || *o_.event == e.id) scope.push_back(&e);
        if (o_.event && scope.empty())
            throw std::invalid_argument("event " + std::to_string(*o_.event) + " does not exist");
        total_ = (o_.event ? 0 : users.size()) + scope.size() + sources.total;
        if (!o_.event)
            for (const auto& u : users) user_file(u);
        for (const auto* e : scope) {
            event_file(*e);
            participants(*e, sources.by_event[e->id]);
        }
        set_attended(scope, users);
        return report_;
    }

  private:
    void tick() {
        ++done_;
        if (o_.progress) o_.progress(done_, total_);
    }

    void user_file(const User& u) {
        tick();
        auto& files = store_.files();
        std::optional<Json::Value> old;
        try {
            old = files.get_user_data(u.uid);
        } catch (const std::exception& e) {
            report_.skipped.push_back("user " + u.uid + ": users/" + u.uid +
                                      ".json cannot be read, left as is: " + e.what());
            return;
        }
        if (old && user_file_current(*old, u)) return void(++report_.users_unchanged);
        ++report_.users_written;
        report_.actions.push_back("users/" + u.uid + ".json " + (old ? "updated" : "written"));
        if (!o_.dry_run) account::sync_user_file(store_, u.uid, admin_actor, u.creationtime);
    }

    void event_file(const Event& listed) {
        tick();
        auto& db = store_.db();
        auto& files = store_.files();
        db::Transaction tx(db);  // the edit page's lock: no edit runs beside this write
        const auto e = events::find_event(db, listed.id, true);
        if (!e) return;
        std::optional<Json::Value> old;
        try {
            old = files.get_event_data(e->id);
        } catch (const std::exception& ex) {
            report_.skipped.push_back("event " + std::to_string(e->id) + ": events/" +
                                      std::to_string(e->id) +
                                      ".json cannot be read, left as is: " + ex.what());
            return;
        }
        if (old && event_file_current(*old, *e)) return void(++report_.events_unchanged);
        events::Settings settings;  // PHP's defaults, for a file without settings
        if (old && old->isObject() && old->isMember("settings")) {
            if (auto problem = events::settings_problem(*old)) {
                report_.skipped.push_back("event " + std::to_string(e->id) + ": " + *problem +
                                          "; the file is left as is (the organizer saves the "
                                          "edit form to fix it)");
                return;
            }
            settings = events::settings_of(*old);
        }
        ++report_.events_written;
        report_.actions.push_back("events/" + std::to_string(e->id) + ".json " +
                                  (old ? "updated" : "written"));
        if (o_.dry_run) return;
        events::sync_event_file(files, *e, settings, store_.uid_kind(), admin_actor, !old);
        tx.commit();
    }

    void participants(const Event& listed, const std::vector<Wanted>& wanted) {
        auto& db = store_.db();
        auto& files = store_.files();
        db::Transaction tx(db);  // the registration path's lock order: event row first
        const auto e = events::find_event(db, listed.id, true);
        if (!e) return;
        std::size_t would_add = 0;
        std::vector<std::pair<std::string, Json::Value>> batch;
        auto flush = [&] {
            if (batch.empty()) return;
            files.add_participants_to_event(e->id, batch, admin_actor);
            writes_ += batch.size();
            batch.clear();
            if (o_.kill_after && writes_ >= o_.kill_after) std::raise(SIGKILL);
        };
        for (const auto& w : wanted) {
            tick();
            const auto* u = user_of_.at(w.uid);
            if (files.is_user_participant(e->id, w.uid)) {
                ++report_.already_present;
                continue;
            }
            ++(w.from_table ? report_.added_from_table : report_.added_from_attended);
            report_.actions.push_back("event " + std::to_string(e->id) + ": " + u->email +
                                      " (user " + w.uid + ") added from " +
                                      (w.from_table ? "event_participants" : "attendedevents"));
            if (o_.dry_run) {
                ++would_add;
                members_[e->id].insert(w.uid);
                continue;
            }
            // One journal write and fsync per batch: a crash loses at most
            // the batch, which the next run adds again.
            batch.emplace_back(w.uid, migrated_entry(store_, *u, w));
            if (batch.size() >= 1000) flush();
        }
        flush();
        // participants/<id>.json in PHP's format at once, as PHP's script
        // left it (the PHP app reads only that file); also what a killed
        // run left in the journal. Nothing is written when there is none.
        if (!o_.dry_run) files.compact(e->id);
        const auto n = static_cast<long long>(files.count_participants(e->id) + would_add);
        if (n != e->participantcount) {
            ++report_.counts_set;
            report_.actions.push_back("event " + std::to_string(e->id) + ": participantcount " +
                                      std::to_string(e->participantcount) + " -> " +
                                      std::to_string(n));
            if (!o_.dry_run) events::store_count(db, files, e->id);
        }
        if (!o_.dry_run) tx.commit();
    }

    void set_attended(const std::vector<const Event*>& scope, const std::vector<User>& users) {
        auto& files = store_.files();
        std::set<std::string> scope_ids;
        for (const auto* e : scope) {
            scope_ids.insert(std::to_string(e->id));
            for (const auto& [uid, entry] : *files.get_event_participants(e->id))
                members_[e->id].insert(uid);
        }
        for (const auto& u : users) {
            events::AttendedChanges changes;
            const auto current = events::parse_attended(u.attendedevents);
            for (const auto& id : current) {
                const auto n = storage::parse_event_id(id);
                const bool in_scope = scope_ids.count(id) != 0;
                if (o_.event && !in_scope) continue;  // another event's business
                if (!in_scope || !members_[*n].count(u.uid)) changes.push_back({id, false});
            }
            for (const auto* e : scope) {
                const auto id = std::to_string(e->id);
                if (members_[e->id].count(u.uid) &&
                    std::find(current.begin(), current.end(), id) == current.end())
                    changes.push_back({id, true});
            }
            if (changes.empty()) continue;
            ++report_.attended_set;
            report_.actions.push_back("user " + u.uid + ": attendedevents set from the files");
            if (o_.dry_run) continue;
            auto& db = store_.db();
            db::Transaction tx(db);
            events::AttendedChanges checked;
            // Under the user's row lock, as the registration path edits it:
            // a registration or cancellation since the lists were read wins.
            db.query_one("SELECT 1 FROM user_credentials WHERE uid = CAST(? AS CHAR) FOR UPDATE",
                         {u.uid});
            for (const auto& [id, add] : changes) {
                const auto n = storage::parse_event_id(id);
                const bool member =
                    n && scope_ids.count(id) && files.is_user_participant(*n, u.uid);
                if (member == add) checked.push_back({id, add});
            }
            events::edit_attended(db, u.uid, checked);
            tx.commit();
        }
    }

    Store& store_;
    const Options& o_;
    Report report_;
    std::map<std::string, const User*> user_of_;
    std::map<std::int64_t, std::set<std::string>> members_;
    std::size_t done_ = 0, total_ = 0, writes_ = 0;
};

void print_lines(std::ostream& out, const char* label, const std::vector<std::string>& lines) {
    for (const auto& l : lines) out << label << l << "\n";
}

}  // namespace

Report migrate_to_files(Store& store, const Options& options) {
    return Run(store, options).go();
}

void print_report(const Report& r, std::ostream& out) {
    print_lines(out, "skipped: ", r.skipped);
    // Each write is in the audit log; a dry run says what it would write.
    if (r.dry_run) print_lines(out, "would do: ", r.actions);
    out << (r.dry_run ? "dry run, nothing written\n" : "") << "users: " << r.users_written
        << " files written, " << r.users_unchanged << " already up to date\n"
        << "events: " << r.events_written << " files written, " << r.events_unchanged
        << " already up to date\n"
        << "participants: " << r.added_from_attended << " added from attendedevents, "
        << r.added_from_table << " added from event_participants, " << r.already_present
        << " already in the files\n"
        << "participantcount set: " << r.counts_set
        << " events; attendedevents set: " << r.attended_set << " users\n"
        << "skipped: " << r.skipped.size() << "\n";
    if (r.changes() == 0) out << "nothing to do: the files already match the database\n";
}

std::vector<std::string> verify(Store& store, std::optional<std::int64_t> event) {
    Options o;
    o.dry_run = true;
    o.event = event;
    const auto r = migrate_to_files(store, o);
    return r.actions;
}

// --- rekey-uids ---

namespace {

bool is_guid(const std::string& s) {
    return s.size() == 36 && storage::valid_uid(s) && !is_int_uid(s);
}

std::string rtrim_cr(std::string s) {
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
}

}  // namespace

UidMap read_uid_map(Store& store, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("cannot read the map file " + path);
    UidMap map;
    std::vector<std::string> errors;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        line = rtrim_cr(line);
        if (line.empty()) continue;
        std::vector<std::string> cols;
        for (std::size_t start = 0;;) {
            const auto tab = line.find('\t', start);
            cols.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        const auto where = path + " line " + std::to_string(n) + ": ";
        if (cols.size() != 3) {
            errors.push_back(where + "expected 3 tab-separated columns (old uid, GUID, e-mail)");
            continue;
        }
        const auto &old = cols[0], &guid = cols[1], &email = cols[2];
        if (!is_int_uid(old)) {
            errors.push_back(where + "'" + old.substr(0, 40) + "' is not an integer uid");
        } else if (!is_guid(guid)) {
            errors.push_back(where + "'" + guid.substr(0, 40) + "' is not a GUID");
        } else if (auto u = find_user(store.db(), guid); !u) {
            errors.push_back(where + "GUID " + guid + " is not a user of the database");
        } else if (u->email != email) {
            errors.push_back(where + "user " + guid + " has the e-mail " + u->email + ", not " +
                             email.substr(0, 80));
        } else if (auto [it, fresh] = map.guid_of.emplace(old, guid);
                   !fresh && it->second != guid) {
            errors.push_back(where + "uid " + old + " is mapped twice");
        }
    }
    if (!errors.empty()) {
        std::string all;
        for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
        throw std::invalid_argument(all);
    }
    if (map.guid_of.empty()) throw std::invalid_argument(path + ": no mappings in the file");
    return map;
}

UidMap detect_uid_map(Store& store) {
    UidMap map;
    auto& files = store.files();
    auto learn = [&](const std::string& old, const std::string& email, const std::string& where) {
        if (!is_int_uid(old) || email.empty() || map.guid_of.count(old)) return;
        const auto u = find_user_by_email(store.db(), email);
        if (!u || !is_guid(u->uid)) return;
        map.guid_of[old] = u->uid;
        map.notes.push_back("uid " + old + " -> " + u->uid + " (" + where + ", e-mail " + email +
                            ")");
    };
    for (const auto& uid : files.list_users())
        if (auto f = files.get_user_data(uid); f && f->isObject())
            learn(uid, text((*f)["email"]), "users/" + uid + ".json");
    for (const auto& e : events::all_events(store.db()))
        for (const auto& [uid, entry] : *files.get_event_participants(e.id))
            learn(uid, text(entry["email"]), "participants/" + std::to_string(e.id) + ".json");
    return map;
}

RekeyReport rekey_uids(Store& store, const UidMap& map, bool dry_run) {
    RekeyReport r;
    r.dry_run = dry_run;
    // 3. Then a migration with the map: the legacy table's registrations
    // under the GUIDs (its int(11) uid column cannot hold one, and the PHP
    // tables are never altered), event files with the new creator, counts
    // and attended lists from the files.
    auto& db = store.db();
    auto& files = store.files();
    if (store.uid_kind() != schema::UidKind::guid)
        throw std::invalid_argument(
            "user_credentials.uid is an integer column: rekey-uids is for a database the PHP "
            "app's uid-to-GUID script has converted");
    const auto all = events::all_events(db);
    // 1. Participant entries under an old uid move to the GUID, keeping
    // joined_at, status and every other field.
    for (const auto& listed : all) {
        db::Transaction tx(db);
        const auto e = events::find_event(db, listed.id, true);
        if (!e) continue;
        const auto list = files.get_event_participants(e->id);
        bool changed = false;
        for (const auto& [old, guid] : map.guid_of) {
            const auto* entry = list->find(old);
            if (!entry) continue;
            changed = true;
            ++r.entries_moved;
            r.actions.push_back("event " + std::to_string(e->id) + ": entry " + old + " -> " +
                                guid);
            if (dry_run) continue;
            const auto moved = storage::merge_preserving(*entry, Object{{"uid", guid}});
            if (files.add_participant_to_event(e->id, guid, moved, admin_actor) ==
                AddResult::already_present)
                ++r.entries_already;
            files.remove_participant_from_event(e->id, old, admin_actor);
        }
        if (changed && !dry_run) events::store_count(db, files, e->id);
        if (!dry_run) tx.commit();
    }
    // 2. users/<old>.json becomes users/<guid>.json (the old one kept
    // under .ems/retired/).
    for (const auto& [old, guid] : map.guid_of) {
        std::optional<Json::Value> old_file;
        try {
            old_file = files.get_user_data(old);
        } catch (const std::exception& e) {
            r.skipped.push_back("users/" + old + ".json cannot be read, left as is: " + e.what());
            continue;
        }
        if (!old_file) continue;
        ++r.user_files_moved;
        r.actions.push_back("users/" + old + ".json -> users/" + guid + ".json");
        if (dry_run) continue;
        const auto u = find_user(db, guid);
        const auto created = old_file->isObject() ? text((*old_file)["created_at"]) : "";
        account::sync_user_file(store, guid, admin_actor,
                                created.empty() && u ? u->creationtime : created);
        files.retire_user_data(old, admin_actor);
    }
    Options o;
    o.dry_run = dry_run;
    o.rekey = map.guid_of;
    r.rest = migrate_to_files(store, o);
    return r;
}

void print_report(const RekeyReport& r, std::ostream& out) {
    print_lines(out, "skipped: ", r.skipped);
    print_lines(out, r.dry_run ? "would do: " : "done: ", r.actions);
    out << "participant entries moved to GUIDs: " << r.entries_moved << " (" << r.entries_already
        << " already there under the GUID); users files moved: " << r.user_files_moved << "\n";
    print_report(r.rest, out);
}

}  // namespace ems::migration
