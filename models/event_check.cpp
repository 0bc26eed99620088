// `ems-admin check [--repair]`: compares the database with the participant
// files, which are the source of truth for who takes part (the seed's
// architecture). Drift comes from the PHP app (counts bumped by repeated
// registrations, attended lists never cleaned on delete) or from a crash
// between an ems file write and its commit.
//
// Every repair re-reads the file and the row under the same locks the
// registration path takes (event row, then user row), so it is safe while
// the site is serving: a registration in flight is either fully before or
// fully after the repair of its event.
#include "models/event_check.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "models/event.hpp"
#include "storage/file_storage.hpp"

namespace ems::events {
namespace {

long long file_count(storage::FileStorage& files, std::int64_t id) {
    return static_cast<long long>(files.count_participants(id));
}

// Event counts. Returns the number of drifting events.
int check_counts(db::Db& db, storage::FileStorage& files, bool repair, std::ostream& out,
                 std::map<std::string, std::set<std::string>>& expected, std::set<std::string>& events) {
    int drift = 0;
    for (const auto& row : db.query("SELECT eventid, participantcount FROM events ORDER BY eventid")) {
        const std::int64_t id = row.num(0);
        events.insert(std::to_string(id));
        const auto list = files.get_event_participants(id);
        for (const auto& [uid, entry] : *list) expected[uid].insert(std::to_string(id));
        if (static_cast<long long>(list->size()) == row.num(1)) continue;
        ++drift;
        out << "event " << id << ": participantcount " << row.num(1) << ", participants file "
            << list->size() << "\n";
        if (!repair) continue;
        db::Transaction tx(db);
        db.query("SELECT eventid FROM events WHERE eventid = ? FOR UPDATE", {static_cast<long long>(id)});
        const long long n = file_count(files, id);
        db.exec("UPDATE events SET participantcount = ? WHERE eventid = ?", {n, static_cast<long long>(id)});
        tx.commit();
        out << "  repaired: participantcount = " << n << "\n";
    }
    return drift;
}

// Re-checks one user under the locks and rewrites the attended list:
// entries of existing events whose file lacks the user are dropped, as are
// deleted events; events whose file has the user are added.
void repair_user(db::Db& db, storage::FileStorage& files, const std::string& uid,
                 const std::vector<std::string>& touched_events, std::ostream& out) {
    db::Transaction tx(db);
    std::vector<std::string> sorted = touched_events;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return std::stoll(a) < std::stoll(b);
    });
    for (const auto& e : sorted)
        db.query("SELECT eventid FROM events WHERE eventid = ? FOR UPDATE", {std::stoll(e)});
    const auto row = db.query_one(
        "SELECT attendedevents FROM user_credentials WHERE uid = CAST(? AS CHAR) FOR UPDATE", {uid});
    if (!row) return;
    auto ids = parse_attended(row->str(0));
    for (const auto& e : sorted) {
        const bool exists = db.query_one("SELECT 1 FROM events WHERE eventid = ?", {std::stoll(e)}).has_value();
        const bool in_file = exists && files.is_user_participant(std::stoll(e), uid);
        const bool listed = std::find(ids.begin(), ids.end(), e) != ids.end();
        if (in_file && !listed) ids.push_back(e);
        if (!in_file && listed) ids.erase(std::remove(ids.begin(), ids.end(), e), ids.end());
    }
    db.exec("UPDATE user_credentials SET attendedevents = ? WHERE uid = CAST(? AS CHAR)",
            {format_attended(ids), uid});
    tx.commit();
    out << "  repaired: user " << uid << " attendedevents = " << format_attended(ids) << "\n";
}

int check_users(db::Db& db, storage::FileStorage& files, bool repair, std::ostream& out,
                std::map<std::string, std::set<std::string>>& expected, const std::set<std::string>& events) {
    int drift = 0;
    for (const auto& row : db.query("SELECT CAST(uid AS CHAR), attendedevents FROM user_credentials")) {
        const auto uid = row.str(0);
        const auto listed = parse_attended(row.str(1));
        const auto& want = expected[uid];
        std::vector<std::string> touched;
        for (const auto& e : listed) {
            if (want.count(e)) continue;
            // Only ids that can name an event; other junk is left as PHP wrote it.
            if (!storage::parse_event_id(e)) continue;
            out << "user " << uid << ": attendedevents lists event " << e
                << (events.count(e) ? ", whose participants file lacks the user" : ", which no longer exists")
                << "\n";
            touched.push_back(e);
        }
        for (const auto& e : want) {
            if (std::find(listed.begin(), listed.end(), e) != listed.end()) continue;
            out << "user " << uid << ": in the participants file of event " << e
                << " but not in attendedevents\n";
            touched.push_back(e);
        }
        if (touched.empty()) continue;
        drift += static_cast<int>(touched.size());
        if (repair) repair_user(db, files, uid, touched, out);
    }
    return drift;
}

}  // namespace

int check_consistency(db::Db& db, storage::FileStorage& files, bool repair, std::ostream& out) {
    std::map<std::string, std::set<std::string>> expected;  // uid -> events whose file has them
    std::set<std::string> events;
    const int counts = check_counts(db, files, repair, out, expected, events);
    const int users = check_users(db, files, repair, out, expected, events);
    // Files of deleted events (a crash after the delete's commit): reported,
    // never removed by the repair, which only ever writes the database.
    int orphans = 0;
    for (const auto id : files.list_participant_events())
        if (!events.count(std::to_string(id))) {
            out << "note: participants file of event " << id << " has no events row (orphan, left alone)\n";
            ++orphans;
        }
    out << "checked " << events.size() << " events and their participants: " << counts
        << " count drift(s), " << users << " attended-list drift(s), " << orphans << " orphan file(s)"
        << (repair && counts + users > 0 ? "; repaired" : "") << "\n";
    return counts + users;
}

}  // namespace ems::events
