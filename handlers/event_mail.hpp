// The mails about registrations (issue 13): to the person, when they
// register, wait for approval, are approved, declined, removed, or promoted
// from the waitlist, and when they cancel; to the organizer, when a request
// waits for approval. Each is written to the outbox (models/mailer.hpp)
// after the change was committed, and sent by the pool's mail sender, off
// the request path. A mail that cannot be queued is logged and never fails
// the registration; a user who turned the mails off on the profile page
// (models/notify_prefs.hpp) gets none.
#pragma once
#include <string>

#include "handlers/handlers.hpp"
#include "models/event.hpp"

namespace ems {

enum class EventMail { registered, pending, approved, declined, cancelled, removed, promoted };

// To the person `uid` (or `user`, already read) about event `ev`.
void mail_attendee(Ctx& ctx, const events::Event& ev, const std::string& uid,
                   EventMail kind) noexcept;
void mail_attendee(Ctx& ctx, const events::Event& ev, const User& user, EventMail kind) noexcept;
// To the organizer of `ev`: `requester_uid` waits for approval.
void mail_organizer_pending(Ctx& ctx, const events::Event& ev,
                            const std::string& requester_uid) noexcept;

namespace event_mail {
// The subject and first line of each mail (also what the tests look for).
std::string subject(EventMail kind, const std::string& event_name);
}  // namespace event_mail

}  // namespace ems
