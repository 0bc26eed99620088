// A participant's status in an event's list, and its PHP spelling: the one
// place the strings of the participants files' "status" key are written.
#pragma once

#include <json/json.h>

#include <optional>
#include <string_view>

namespace ems {

enum class ParticipantStatus {
    registered,  // the PHP app's only status
    pending,     // waiting for the organizer's approval (require_approval)
    waitlisted,  // reserved for the waitlist: nothing writes it yet
};

// "registered", "pending", "waitlisted".
const char* to_php(ParticipantStatus s);
// What people read: "Registered", "Waiting for approval", "On the waitlist".
const char* display_label(ParticipantStatus s);
// nullopt for any other string.
std::optional<ParticipantStatus> status_from_php(std::string_view s);
// The status of a participants-file entry. An entry without a status
// string, or with one ems does not know, counts as registered: the PHP app
// wrote only "registered", and a person in the list is in the event.
ParticipantStatus status_of(const Json::Value& entry);

}  // namespace ems
