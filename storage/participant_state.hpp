// Cached state of one event's participant list, shared by participants.cpp
// (files, journal, compaction) and participant_ops.cpp (the public calls).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"
#include "storage/journal.hpp"

namespace ems::storage {

// What the journal on disk is to the list.
enum class JournalUse {
    none,     // absent, empty, torn in its header, or already folded: the next writer replaces it
    current,  // its header matches the JSON file: its records are part of the list
    blocked,  // does not match and could not be kept aside: writes are refused
};

struct ParticipantState {
    std::mutex mutex;
    bool loaded = false;
    FileId base;               // participants/<id>.json as read (cache key only)
    JournalBase base_content;  // its size and hash: what a new journal's header records
    FileId journal;            // journal as last seen
    std::string journal_head;  // its first line: tells a new journal from a reused inode
    JournalUse journal_use = JournalUse::none;
    std::uint64_t journal_valid = 0;  // bytes of whole records read
    std::size_t journal_lines = 0;    // lines in those bytes (header included)
    std::size_t journal_ops = 0;
    std::string blocked_reason;
    int blocked_errno = 0;
    std::shared_ptr<ParticipantList> list;
    // Set while the files are damaged: every call throws CorruptList with
    // it until base or journal change on disk.
    std::optional<std::string> corrupt;
};

constexpr std::size_t max_cached_events = 1024;

// participants/<id>.json content into `list` (an array, as PHP writes an
// empty list, gets keys "0", "1"...).
void fill_from_json(ParticipantList& list, Json::Value& root);
// The list in PHP's json_encode(JSON_PRETTY_PRINT) layout.
std::string encode_list(const ParticipantList& list);

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
    refresh(event_id, *state, lock.held());
    return fn(*state);
}

}  // namespace ems::storage
