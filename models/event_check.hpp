// `ems-admin check [--repair] [--json]`: every disagreement between the
// database and the files, one problem per line; see event_check.cpp.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "models/db.hpp"
#include "storage/file_storage.hpp"

namespace ems::events {

struct Problem {
    std::string kind;     // count_drift, attended_drift, missing_settings, ... (docs/EVENTS.md)
    std::string subject;  // "event 12", "user 7", "key AB12CD34", a path
    std::string detail;   // one human sentence (the text line)
    // What --repair did ("participantcount = 4"), or empty; `needs_human`
    // says what an operator must decide when the repair cannot be automatic.
    std::string repaired;
    std::string needs_human;
};

struct CheckReport {
    std::vector<Problem> problems;
    std::size_t events_checked = 0;
    std::size_t users_checked = 0;
    bool repair = false;
    // Exit status: 0 nothing found, 1 problems found (repaired or not).
    int exit_code() const { return problems.empty() ? 0 : 1; }
};

// Runs every check, continuing past each bad file or row; with `repair`,
// fixes what is safe under the registration path's locks (counts and
// attended lists from the files, the settings file of an event that lost
// it, written closed) and says what needs a human.
CheckReport check_consistency(db::Db& db, storage::FileStorage& files, bool repair);

void print_text(const CheckReport& report, std::ostream& out);
void print_json(const CheckReport& report, std::ostream& out);

}  // namespace ems::events
