#include <atomic>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {
namespace {

std::atomic<std::uint64_t> last_version{0};

}  // namespace

std::uint64_t ParticipantList::next_version() {
    return ++last_version;
}

ParticipantList::ParticipantList() : version_(next_version()) {}

ParticipantList::ParticipantList(const ParticipantList& other)
    : items_(other.items_), version_(next_version()) {
    index_.reserve(items_.size());
    for (auto it = items_.begin(); it != items_.end(); ++it) index_.emplace(it->first, it);
}

ParticipantList& ParticipantList::operator=(const ParticipantList& other) {
    if (this != &other) {
        ParticipantList copy(other);
        items_.swap(copy.items_);
        index_.swap(copy.index_);
        version_ = next_version();
    }
    return *this;
}

const Json::Value* ParticipantList::find(const std::string& uid) const {
    auto it = index_.find(uid);
    return it == index_.end() ? nullptr : &it->second->second;
}

Json::Value ParticipantList::to_json() const {
    if (items_.empty()) return Json::Value(Json::arrayValue);
    php_json::Object object;
    for (const auto& [uid, entry] : items_) object.add(uid, entry);
    return std::move(object).value();
}

void ParticipantList::put(const std::string& uid, Json::Value entry) {
    version_ = next_version();
    auto it = index_.find(uid);
    if (it != index_.end()) {
        it->second->second = std::move(entry);
        return;
    }
    items_.emplace_back(uid, std::move(entry));
    index_.emplace(uid, std::prev(items_.end()));
}

bool ParticipantList::erase(const std::string& uid) {
    auto it = index_.find(uid);
    if (it == index_.end()) return false;
    version_ = next_version();
    items_.erase(it->second);
    index_.erase(it);
    return true;
}

}  // namespace ems::storage
