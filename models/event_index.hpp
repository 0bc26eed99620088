// The public listing's index (issue 13): ems_event_index, one row per event
// with what /events searches and sorts by, kept in step with `events` in
// the transaction of every create, edit and delete (the PHP table has no
// index ems may add). `listed` mirrors the event file's setting.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/db.hpp"
#include "models/event.hpp"

namespace ems::events {

// Inserts or replaces the event's row (inside the caller's transaction).
void index_event(db::Db& db, const Event& ev, bool listed);
void unindex_event(db::Db& db, std::int64_t id);

// Boolean-mode FULLTEXT terms for what a visitor typed: each word of
// letters and digits as a required prefix ("+word*"); operators and other
// characters dropped; words shorter than 3 characters (below InnoDB's
// token size) left out. "" when nothing is left.
std::string fulltext_terms(const std::string& query);

struct ListingPage {
    std::vector<Event> events;  // by start, soonest first
    bool more = false;          // another page follows
};

// Listed events that have not started by `now` ("YYYY-MM-DD HH:MM:SS"),
// matching `query` (name or location; "" for all), `per_page` from
// `offset`. Two indexed queries: the ids from the index, then their rows.
ListingPage listed_events(db::Db& db, const std::string& now, const std::string& query,
                          std::size_t offset, std::size_t per_page);

}  // namespace ems::events
