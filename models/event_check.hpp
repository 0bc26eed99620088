// Consistency check between the database (participantcount, attendedevents)
// and the participant files; see event_check.cpp.
#pragma once
#include <ostream>

#include "models/db.hpp"
#include "storage/file_storage.hpp"

namespace ems::events {

// Prints one line per drift and a summary to `out`; with `repair`, sets the
// database from the files. Returns the number of drifts found.
int check_consistency(db::Db& db, storage::FileStorage& files, bool repair, std::ostream& out);

}  // namespace ems::events
