#include "core/participant_status.hpp"

namespace ems {
namespace {

constexpr struct {
    ParticipantStatus status;
    const char* php;
    const char* label;
} names[] = {
    {ParticipantStatus::registered, "registered", "Registered"},
    {ParticipantStatus::pending, "pending", "Waiting for approval"},
    {ParticipantStatus::waitlisted, "waitlisted", "On the waitlist"},
};

}  // namespace

const char* display_label(ParticipantStatus s) {
    for (const auto& n : names)
        if (n.status == s) return n.label;
    return "Registered";
}

const char* to_php(ParticipantStatus s) {
    for (const auto& n : names)
        if (n.status == s) return n.php;
    return "registered";
}

std::optional<ParticipantStatus> status_from_php(std::string_view s) {
    for (const auto& n : names)
        if (std::string_view(n.php) == s) return n.status;
    return std::nullopt;
}

ParticipantStatus status_of(const Json::Value& entry) {
    if (!entry.isObject()) return ParticipantStatus::registered;
    const Json::Value* s = entry.find("status", "status" + 6);
    if (!s || !s->isString()) return ParticipantStatus::registered;
    return status_from_php(s->asString()).value_or(ParticipantStatus::registered);
}

}  // namespace ems
