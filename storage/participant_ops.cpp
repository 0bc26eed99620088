// The public participant calls. Each runs under the event's lock file:
// exclusive for changes (so the duplicate and capacity checks see every
// other process's writes), shared for reads.
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "core/actor.hpp"
#include "core/pagination.hpp"
#include "storage/file_storage.hpp"
#include "storage/journal.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {
namespace {

Json::Value record(const char* op, const std::string& uid, const Json::Value* entry) {
    php_json::Object r{{"op", op}, {"key", uid}};
    if (entry) r.add("entry", *entry);
    return std::move(r).value();
}

void check_uid(const std::string& uid) {
    if (!valid_uid(uid)) throw InvalidId("invalid uid");
}

const char* result_name(AddResult r) {
    return r == AddResult::added ? "added" : r == AddResult::full ? "full" : "already_present";
}

}  // namespace

template <class Name, class Fn>
auto FileStorage::audited(std::int64_t event_id, const std::string& actor, const char* op,
                          Name&& name, Fn&& fn) {
    const auto file = doc_path("participants", std::to_string(event_id));
    try {
        auto result = fn();
        audit(actor, op, file, name(result));
        return result;
    } catch (const std::exception& e) {
        audit(actor, op, file, "error", e.what());
        throw;
    }
}

AddResult FileStorage::add_participant_to_event(std::int64_t event_id, const std::string& uid,
                                                const Json::Value& entry, const std::string& actor,
                                                std::optional<std::size_t> max_participants) {
    check_uid(uid);
    if (!entry.isObject()) throw InvalidData("participant entry must be a JSON object");
    return audited(event_id, actor, "add_participant", result_name, [&] {
        // Encoded first: data that cannot be written is refused before any I/O.
        const std::string line = journal_line(record("put", uid, &entry));
        return with_participants(event_id, true, [&](ParticipantState& s) {
            if (s.list->contains(uid)) {
                keep_journal_for_sync(event_id);
                return AddResult::already_present;
            }
            if (at_capacity(s.list->size(), max_participants)) return AddResult::full;
            append_op(event_id, s, line);
            writable_list(s).put(uid, entry);
            maybe_compact(event_id, s, actor);
            return AddResult::added;
        });
    });
}

std::size_t FileStorage::add_participants_to_event(
    std::int64_t event_id, const std::vector<std::pair<std::string, Json::Value>>& entries,
    const std::string& actor) {
    for (const auto& [uid, entry] : entries) {
        check_uid(uid);
        if (!entry.isObject()) throw InvalidData("participant entry must be a JSON object");
    }
    const auto name = [](std::size_t n) { return "added " + std::to_string(n); };
    return audited(event_id, actor, "add_participants", name, [&] {
        return with_participants(event_id, true, [&](ParticipantState& s) -> std::size_t {
            std::string lines;
            std::vector<const std::pair<std::string, Json::Value>*> fresh;
            std::set<std::string> seen;
            for (const auto& item : entries)
                if (!s.list->contains(item.first) && seen.insert(item.first).second) {
                    lines += journal_line(record("put", item.first, &item.second));
                    fresh.push_back(&item);
                }
            if (fresh.empty()) return 0;
            append_op(event_id, s, lines, fresh.size());
            auto& list = writable_list(s);
            for (const auto* item : fresh) list.put(item->first, item->second);
            maybe_compact(event_id, s, actor);
            return fresh.size();
        });
    });
}

// An entry found present may be another request's write whose deferred
// fdatasync has not happened yet: a caller that acknowledges it syncs the
// journal too (a compacted list is already durable: no journal).
void FileStorage::keep_journal_for_sync(std::int64_t event_id) {
    DeferredSync* later = DeferredSync::active();
    if (!later) return;
    const std::filesystem::path path = journal_path(event_id);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) later->keep(fd, path);
}

bool FileStorage::remove_participant_from_event(std::int64_t event_id, const std::string& uid,
                                                const std::string& actor) {
    check_uid(uid);
    const auto name = [](bool removed) { return removed ? "removed" : "absent"; };
    return audited(event_id, actor, "remove_participant", name, [&] {
        const std::string line = journal_line(record("del", uid, nullptr));
        return with_participants(event_id, true, [&](ParticipantState& s) {
            if (!s.list->contains(uid)) return false;
            append_op(event_id, s, line);
            writable_list(s).erase(uid);
            maybe_compact(event_id, s, actor);
            return true;
        });
    });
}

bool FileStorage::update_participant(std::int64_t event_id, const std::string& uid,
                                     const Json::Value& fields, const std::string& actor) {
    check_uid(uid);
    if (!fields.isObject()) throw InvalidData("participant fields must be a JSON object");
    const auto name = [](bool updated) { return updated ? "updated" : "absent"; };
    return audited(event_id, actor, "update_participant", name, [&] {
        return with_participants(event_id, true, [&](ParticipantState& s) {
            const Json::Value* old = s.list->find(uid);
            if (!old) return false;
            Json::Value merged = merge_preserving(*old, fields);
            append_op(event_id, s, journal_line(record("put", uid, &merged)));
            writable_list(s).put(uid, std::move(merged));
            maybe_compact(event_id, s, actor);
            return true;
        });
    });
}

std::shared_ptr<const ParticipantList> FileStorage::get_event_participants(std::int64_t event_id) {
    return with_participants(event_id, false, [](ParticipantState& s) {
        return std::shared_ptr<const ParticipantList>(s.list);
    });
}

bool FileStorage::is_user_participant(std::int64_t event_id, const std::string& uid) {
    check_uid(uid);
    return get_event_participants(event_id)->contains(uid);
}

std::size_t FileStorage::count_participants(std::int64_t event_id) {
    return get_event_participants(event_id)->size();
}

void FileStorage::compact(std::int64_t event_id) {
    audited(
        event_id, admin_actor, "compact", [](bool) { return "ok"; },
        [&] {
            with_participants(event_id, true,
                              [&](ParticipantState& s) { compact_locked(event_id, s); });
            return true;
        });
}

void FileStorage::compact_all() {
    std::optional<StorageError> first_error;
    std::size_t failed = 0;
    for (std::int64_t id : list_participant_events()) {
        try {
            compact(id);
        } catch (const StorageError& e) {
            if (!first_error) first_error = e;
            ++failed;
        }
    }
    remove_stale_temps(options_.root / "participants");
    remove_stale_temps(options_.root / ".ems" / "journal");
    if (first_error)
        throw StorageError(
            std::to_string(failed) + " event(s) not compacted; first: " + first_error->what(),
            first_error->error);
}

void FileStorage::invalidate(std::int64_t event_id) {
    std::shared_ptr<ParticipantState> state;
    {
        std::lock_guard<std::mutex> guard(cache_mutex_);
        auto it = cache_.find(event_id);
        if (it == cache_.end()) return;
        state = it->second;
    }
    std::lock_guard<std::mutex> guard(state->mutex);
    state->loaded = false;
    state->corrupt.reset();
}

}  // namespace ems::storage
