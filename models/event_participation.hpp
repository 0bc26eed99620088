// Registration, cancellation and the organizer's participant actions as
// single consistent operations over the event row, the participants file
// and user_credentials.attendedevents.
//
// Order inside each: lock the event row (SELECT ... FOR UPDATE), change the
// participants file (the source of truth, durable on return), then update
// participantcount and the attended list and commit. A crash between the
// file write and the commit leaves the file ahead of the database, which the
// next operation on the same user heals and `ems-admin check --repair` fixes.
// Lock order is always event row, then user row, so two operations never
// wait on each other in a cycle.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/event.hpp"

namespace ems::events {

enum class Outcome {
    registered,
    pending,
    already_registered,  // told as a success: the person is registered
    full,
    closed,
    unavailable,  // the event's settings cannot be read: closed until the organizer saves them
    not_found,
    not_registered,
    done
};

// A connection lost at or after the participants file write (the source of
// truth) is not an error for the person: the database part (count from the
// file, attended list; both idempotent) is redone on a new connection and
// the registration is answered as made.
Outcome register_for_event(Store& store, std::int64_t event_id, const User& user);
// The participant's own cancellation, or the organizer's removal/decline.
Outcome remove_participant(Store& store, std::int64_t event_id, const std::string& uid,
                           const std::string& actor);
// pending -> registered.
Outcome approve_participant(Store& store, std::int64_t event_id, const std::string& uid,
                            const std::string& actor);
// The entry a registration writes: the PHP app's keys in its order (uid,
// joined_at, status, name, email), the uid with the uid column's type.
// joined_at "" means now.
Json::Value participant_entry(schema::UidKind uid_kind, const User& u, bool pending,
                              const std::string& joined_at = {});
// User-facing message for an outcome ("This event is full", ...).
std::string outcome_message(Outcome o, const std::string& event_name);

// --- the database side, from the files: the operations above and
// `ems-admin check --repair` (event_check.cpp) both go through these ---
// participantcount = the participants file's count; the caller's
// transaction holds the event's row lock. Returns the count written.
long long store_count(db::Db& db, storage::FileStorage& files, std::int64_t event_id);
// (event id, true to add / false to remove) for one user's attendedevents.
using AttendedChanges = std::vector<std::pair<std::string, bool>>;
// Applies `changes` under the user's row lock (taken here, after the
// events' row locks: see above); writes only when the list changes.
// Returns the list as it now is, nullopt when there is no such user.
std::optional<std::vector<std::string>> edit_attended(db::Db& db, const std::string& uid,
                                                      const AttendedChanges& changes);

}  // namespace ems::events
