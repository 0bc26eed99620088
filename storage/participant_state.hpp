// Cached state of one event's participant list, shared by participants.cpp
// (files, journal, compaction) and participant_ops.cpp (the public calls).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"

namespace ems::storage {

struct ParticipantState {
    std::mutex mutex;
    bool loaded = false;
    FileId base;                      // participants/<id>.json the list was read from
    FileId journal;                   // journal as last seen
    std::string journal_head;         // its first line: tells a new journal from a reused inode
    bool journal_current = false;     // header matches `base`, so its records apply
    std::uint64_t journal_valid = 0;  // bytes of whole records read
    std::size_t journal_ops = 0;
    std::shared_ptr<ParticipantList> list;
};

constexpr std::size_t max_cached_events = 1024;

// Copy-on-write: a list handed out by get_event_participants stays unchanged.
inline ParticipantList& writable_list(ParticipantState& s) {
    if (s.list.use_count() > 1) s.list = std::make_shared<ParticipantList>(*s.list);
    return *s.list;
}

template <class Fn>
auto FileStorage::with_participants(std::int64_t event_id, bool exclusive, Fn&& fn) {
    if (!valid_event_id(event_id)) throw InvalidId("invalid event id " + std::to_string(event_id));
    // Readers do not create lock files, so probing random ids leaves no trace;
    // with no lock file there is no journal and no writer yet.
    LockFile lock(lock_path("participants", std::to_string(event_id)),
                  exclusive ? LockFile::Mode::exclusive : LockFile::Mode::shared, exclusive);
    std::shared_ptr<ParticipantState> state;
    {
        std::lock_guard<std::mutex> guard(cache_mutex_);
        auto& slot = cache_[event_id];
        if (!slot) slot = std::make_shared<ParticipantState>();
        state = slot;
        if (cache_.size() > max_cached_events) {
            for (auto it = cache_.begin(); it != cache_.end();)
                it = it->second.use_count() == 1 ? cache_.erase(it) : std::next(it);
        }
    }
    std::lock_guard<std::mutex> guard(state->mutex);
    refresh(event_id, *state);
    return fn(*state);
}

}  // namespace ems::storage
