// `ems-admin check [--repair] [--json]`: compares the database with the
// files, which are the source of truth for who takes part (the seed's
// architecture), and reports every problem it finds, continuing past each
// bad file: count and attended-list drift, events without (valid) settings,
// files without an event, duplicate event keys and e-mails, damaged lists,
// journals kept aside, unreadable folders.
//
// Every repair re-reads the file and the row under the same locks the
// registration path takes (event row, then user row), so it is safe while
// the site is serving: a registration in flight is either fully before or
// fully after the repair of its event. Repairs only ever write the database
// from the files, or write a missing settings file closed; whatever would
// need a judgement (which duplicate keeps a key, what a damaged list held)
// is left to a human, with the command to run.
#include "models/event_check.hpp"

#include <json/json.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/event.hpp"
#include "models/event_index.hpp"
#include "models/event_participation.hpp"
#include "storage/file_storage.hpp"

namespace ems::events {
namespace {

using Expected = std::map<std::string, std::set<std::string>>;  // uid -> events whose file has them

struct Checker {
    db::Db& db;
    storage::FileStorage& files;
    CheckReport& report;
    Expected expected;
    std::set<std::string> events;      // ids with a row
    std::set<std::string> unreadable;  // ids whose list cannot be read: no drift claimed for them

    Problem& add(std::string kind, std::string subject, std::string detail) {
        report.problems.push_back(
            Problem{std::move(kind), std::move(subject), std::move(detail), {}, {}});
        return report.problems.back();
    }

    void check_count(std::int64_t id, long long stored);
    void check_settings(std::int64_t id);
    void check_users();
    void repair_user(const std::string& uid, const std::vector<std::string>& touched, Problem& p);
    void check_orphans();
    void check_duplicates();
    void check_lists();
    void check_index();
};

std::string event_subject(std::int64_t id) {
    return "event " + std::to_string(id);
}

void Checker::check_count(std::int64_t id, long long stored) {
    std::shared_ptr<const storage::ParticipantList> list;
    try {
        list = files.get_event_participants(id);
    } catch (const storage::StorageError&) {
        // Reported once, with its path, by check_lists.
        unreadable.insert(std::to_string(id));
        return;
    }
    for (const auto& [uid, entry] : *list) expected[uid].insert(std::to_string(id));
    if (static_cast<long long>(list->size()) == stored) return;
    auto& p = add("count_drift", event_subject(id),
                  event_subject(id) + ": participantcount " + std::to_string(stored) +
                      ", participants file " + std::to_string(list->size()));
    if (!report.repair) return;
    // The registration path's own steps: event row lock, count from the file.
    db::Transaction tx(db);
    if (!find_event(db, id, true)) return;
    const auto n = store_count(db, files, id);
    tx.commit();
    p.repaired = "participantcount = " + std::to_string(n);
}

// A missing or invalid settings file closes the event (fail closed). The
// repair writes the file from the row with registration closed, so the
// organizer reopens it from the edit page knowingly: the lost capacity is
// not guessed.
void Checker::check_settings(std::int64_t id) {
    std::optional<Json::Value> data;
    try {
        data = files.get_event_data(id);
    } catch (const storage::StorageError& e) {
        add("corrupt_event_file", event_subject(id), event_subject(id) + ": " + e.what())
            .needs_human =
            "fix or remove the file by hand (a copy is kept beside it), then run check --repair";
        return;
    }
    if (data) {
        if (const auto problem = settings_problem(*data))
            add("invalid_settings", event_subject(id), event_subject(id) + ": " + *problem)
                .needs_human =
                "the organizer saves the event's edit form, which rewrites valid settings";
        return;
    }
    auto& p = add("missing_settings", event_subject(id),
                  event_subject(id) +
                      ": has a row but no settings file (registration is closed until it has one)");
    if (!report.repair) return;
    const auto ev = find_event(db, id);
    if (!ev) return;
    Settings closed;
    closed.registration_open = false;
    sync_event_file(files, *ev, closed, schema::detect_uid_kind(db), admin_actor, true);
    p.repaired = "wrote the settings file with registration closed";
    p.needs_human = "the organizer checks the capacity and reopens registration on the edit page";
}

// Re-checks one user under the locks and rewrites the attended list:
// entries of existing events whose file lacks the user are dropped, as are
// deleted events; events whose file has the user are added.
void Checker::repair_user(const std::string& uid, const std::vector<std::string>& touched,
                          Problem& p) {
    db::Transaction tx(db);
    std::vector<std::string> sorted = touched;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return std::stoll(a) < std::stoll(b); });
    for (const auto& e : sorted)
        db.query("SELECT eventid FROM events WHERE eventid = ? FOR UPDATE", {std::stoll(e)});
    AttendedChanges changes;
    for (const auto& e : sorted) {
        const bool exists =
            db.query_one("SELECT 1 FROM events WHERE eventid = ?", {std::stoll(e)}).has_value();
        changes.emplace_back(e, exists && files.is_user_participant(std::stoll(e), uid));
    }
    const auto ids = edit_attended(db, uid, changes);
    if (!ids) return;
    tx.commit();
    p.repaired = "user " + uid + " attendedevents = " + format_attended(*ids);
}

void Checker::check_users() {
    for (const auto& row :
         db.query("SELECT CAST(uid AS CHAR) AS uid, attendedevents FROM user_credentials")) {
        ++report.users_checked;
        const auto uid = row.str("uid");
        const auto listed = parse_attended(row.str("attendedevents"));
        const auto& want = expected[uid];
        std::vector<std::string> touched;
        std::string lines;
        for (const auto& e : listed) {
            // Only ids that can name an event; other junk is left as PHP wrote it.
            if (want.count(e) || !storage::parse_event_id(e) || unreadable.count(e)) continue;
            lines += (lines.empty() ? "" : "\n") +
                     ("user " + uid + ": attendedevents lists event " + e) +
                     (events.count(e) ? ", whose participants file lacks the user"
                                      : ", which no longer exists");
            touched.push_back(e);
        }
        for (const auto& e : want) {
            if (std::find(listed.begin(), listed.end(), e) != listed.end()) continue;
            lines += (lines.empty() ? "" : "\n") +
                     ("user " + uid + ": in the participants file of event " + e +
                      " but not in attendedevents");
            touched.push_back(e);
        }
        if (touched.empty()) continue;
        auto& p = add("attended_drift", "user " + uid, lines);
        if (report.repair) repair_user(uid, touched, p);
    }
}

// Files of events without a row: a delete that crashed after its commit,
// or a create that crashed before its commit (its settings file is written
// first). Set aside, never deleted, by the repair.
void Checker::check_orphans() {
    std::vector<std::int64_t> ids;
    try {
        ids = files.list_events();
    } catch (const storage::StorageError& e) {
        add("unreadable", "storage", e.what()).needs_human =
            "fix the folder's permissions or mount";
        return;
    }
    for (const auto id : ids) {
        if (events.count(std::to_string(id))) continue;
        auto& p = add("orphan_files", event_subject(id),
                      event_subject(id) + ": files without an events row");
        if (!report.repair) continue;
        try {
            p.repaired = "files moved to " + files.set_aside_event(id, admin_actor);
        } catch (const std::exception& e) {
            p.needs_human = std::string("could not move the files aside: ") + e.what();
        }
    }
}

void Checker::check_duplicates() {
    for (const auto& r :
         db.query("SELECT eventkey, GROUP_CONCAT(eventid ORDER BY eventid SEPARATOR ', ') AS ids "
                  "FROM events WHERE eventkey IS NOT NULL AND eventkey <> '' GROUP BY eventkey "
                  "HAVING COUNT(*) > 1"))
        add("duplicate_event_key", "key " + r.str("eventkey"),
            "event key " + r.str("eventkey") + " is shared by events " + r.str("ids") +
                " (registration links reach one of them)")
            .needs_human =
            "give all but one event a new key in the database, and send its organizer the new link";
    for (const auto& r : db.query("SELECT MIN(email) AS email, GROUP_CONCAT(CAST(uid AS CHAR) "
                                  "ORDER BY uid SEPARATOR ', ') AS uids FROM user_credentials "
                                  "GROUP BY email HAVING COUNT(*) > 1"))
        add("duplicate_email", "email " + r.str("email"),
            "e-mail " + r.str("email") + " has several accounts: users " + r.str("uids"))
            .needs_human = "merge or remove the extra accounts (sign-in uses the first)";
}

void Checker::check_lists() {
    for (const auto& lp : files.inspect_lists()) {
        const std::string subject = lp.event_id ? event_subject(lp.event_id) : lp.path;
        std::string detail = subject + ": " + lp.kind + " " + lp.path + ": " + lp.detail;
        if (lp.kind == "kept_journal") detail += " (" + std::to_string(lp.records) + " record(s))";
        auto& p = add(lp.kind, subject, detail);
        const std::string event = std::to_string(lp.event_id);
        if (lp.kind == "kept_journal")
            p.needs_human = "review, then `ems-admin merge-journal --event " + event +
                            "` to add its records back";
        else if (lp.kind == "corrupt_list" || lp.kind == "corrupt_journal" ||
                 lp.kind == "not_a_file")
            p.needs_human = "`ems-admin repair-list --event " + event +
                            "` rebuilds the list from every valid record";
        else
            p.needs_human = "fix the file system permissions or mount";
    }
}

// An event file's settings; the defaults (not listed) when it has none.
Settings load_settings_from(storage::FileStorage& files, std::int64_t id) {
    try {
        const auto data = files.get_event_data(id);
        if (data && !settings_problem(*data)) return settings_of(*data);
    } catch (const std::exception&) {
        // check_settings reports the file.
    }
    return Settings{};
}

// The public listing's index (ems_event_index) against `events` and the
// files: a row missing (an event the PHP app created during a rollback), a
// row that differs (an edit made by the PHP app), one that lists an event
// whose file does not say so (the PHP app rewrote the file without our
// key), or one without an event. The repair rewrites it from the row and
// the file, or removes it.
void Checker::check_index() {
    // A database ems has not migrated yet (auto_migrate off, migrate-schema
    // not run) has no index to compare: nothing to say about it.
    if (db.query("SHOW TABLES LIKE 'ems_event_index'").empty()) return;
    const auto subject = [](const std::string& id) { return "event " + id; };
    auto repair_row = [&](const std::string& id, Problem& p) {
        if (!report.repair) return;
        const auto n = storage::parse_event_id(id);
        const auto ev = n ? find_event(db, *n) : std::nullopt;
        if (!ev) return;
        const auto s = load_settings_from(files, ev->id);
        index_event(db, *ev, s.listed);
        p.repaired = std::string("index row rewritten from the events row (") +
                     (s.listed ? "listed" : "not listed") + ", as its file says)";
    };
    for (const auto& r : db.query(
             "SELECT CAST(e.eventid AS CHAR) AS id, i.eventid IS NULL AS missing FROM events e "
             "LEFT JOIN ems_event_index i ON i.eventid = e.eventid WHERE i.eventid IS NULL OR "
             "COALESCE(e.eventname, '') <> i.name OR COALESCE(e.location, '') <> i.location OR "
             "NOT (e.startdate <=> i.startdate) OR NOT (e.enddate <=> i.enddate)")) {
        const auto id = r.str("id");
        auto& p = add("index_drift", subject(id),
                      subject(id) + (r.num("missing") ? ": not in the listing's index"
                                                      : ": the listing's index differs from the "
                                                        "events row"));
        repair_row(id, p);
    }
    for (const auto& r : db.query("SELECT CAST(eventid AS CHAR) AS id FROM ems_event_index "
                                  "WHERE listed = 1 ORDER BY eventid")) {
        const auto id = r.str("id");
        const auto n = storage::parse_event_id(id);
        if (!n || !events.count(id) || load_settings_from(files, *n).listed) continue;
        auto& p = add("index_drift", subject(id),
                      subject(id) + ": listed publicly, but its file does not say so");
        repair_row(id, p);
    }
    for (const auto& r :
         db.query("SELECT CAST(i.eventid AS CHAR) AS id FROM ems_event_index i LEFT JOIN events "
                  "e ON e.eventid = i.eventid WHERE e.eventid IS NULL")) {
        const auto id = r.str("id");
        auto& p = add("index_drift", subject(id),
                      subject(id) + ": in the listing's index without an events row");
        if (!report.repair) continue;
        if (const auto n = storage::parse_event_id(id)) unindex_event(db, *n);
        p.repaired = "index row removed";
    }
}

}  // namespace

CheckReport check_consistency(db::Db& db, storage::FileStorage& files, bool repair) {
    CheckReport report;
    report.repair = repair;
    Checker c{db, files, report, {}, {}, {}};
    for (const auto& row :
         db.query("SELECT eventid, participantcount FROM events ORDER BY eventid")) {
        const std::int64_t id = row.num("eventid");
        ++report.events_checked;
        c.events.insert(std::to_string(id));
        c.check_count(id, row.num("participantcount"));
        c.check_settings(id);
    }
    c.check_users();
    c.check_orphans();
    c.check_duplicates();
    c.check_lists();
    c.check_index();
    return report;
}

void print_text(const CheckReport& r, std::ostream& out) {
    std::map<std::string, int> by_kind;
    for (const auto& p : r.problems) {
        ++by_kind[p.kind];
        out << p.detail << "\n";
        if (!p.repaired.empty()) out << "  repaired: " << p.repaired << "\n";
        if (!p.needs_human.empty()) out << "  needs a human: " << p.needs_human << "\n";
    }
    out << "checked " << r.events_checked << " events and " << r.users_checked << " users: ";
    if (r.problems.empty())
        out << "consistent";
    else {
        bool first = true;
        for (const auto& [kind, n] : by_kind)
            out << (first ? "" : ", ") << n << " " << kind, first = false;
    }
    out << "\n";
}

void print_json(const CheckReport& r, std::ostream& out) {
    Json::Value v(Json::objectValue);
    v["events_checked"] = static_cast<Json::UInt64>(r.events_checked);
    v["users_checked"] = static_cast<Json::UInt64>(r.users_checked);
    v["repair"] = r.repair;
    v["consistent"] = r.problems.empty();
    v["problems"] = Json::Value(Json::arrayValue);
    for (const auto& p : r.problems) {
        Json::Value j(Json::objectValue);
        j["kind"] = p.kind;
        j["subject"] = p.subject;
        j["detail"] = p.detail;
        if (!p.repaired.empty()) j["repaired"] = p.repaired;
        if (!p.needs_human.empty()) j["needs_human"] = p.needs_human;
        v["problems"].append(j);
    }
    Json::StreamWriterBuilder w;
    w["indentation"] = "  ";
    out << Json::writeString(w, v) << "\n";
}

}  // namespace ems::events
