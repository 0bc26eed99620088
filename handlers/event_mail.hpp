// The mails about registrations (issue 13): to the person, when they
// register, wait for approval, are approved, declined, removed, or promoted
// from the waitlist, and when they cancel; to the organizer, when a request
// waits for approval. Each is written to the outbox (models/mailer.hpp)
// after the change was committed, and sent by the pool's mail sender, off
// the request path. A mail that cannot be queued is logged and never fails
// the registration; a user who turned the mails off on the profile page
// (models/notify_prefs.hpp) gets none.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

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

// To every person of `uids` (the event's participants, registered or
// waiting, read before the change) who wants mail: the event `ev` (as it is
// now) had its dates or place changed (`before`: as it was), or was
// deleted. Queued 500 at a time with one disk flush each (mail::send_many).
enum class EventChange { changed, deleted };
void mail_participants(Ctx& ctx, const events::Event& ev, const events::Event* before,
                       const std::vector<std::string>& uids, EventChange change) noexcept;
// The uids of an event's participant list, in list order (none, logged,
// when the list cannot be read).
std::vector<std::string> participant_uids(Ctx& ctx, std::int64_t event_id);
// After an edit saved `input` over `before`: when the dates or the place
// changed, mail_participants(changed).
void mail_if_plans_changed(Ctx& ctx, const events::Event& before,
                           const events::EventInput& input) noexcept;

// ems-admin send-digests: to each organizer who chose one summary a day
// (profile, Notifications) and has registrations waiting for approval, one
// mail listing them, at most once per `day` ("YYYY-MM-DD") across runs and
// hosts (notify_prefs::claim_digest). Says what it did on `out`; returns
// the number of mails queued.
int send_pending_digests(App& app, const std::string& day, std::ostream& out);

namespace event_mail {
// The subject and first line of each mail (also what the tests look for).
std::string subject(EventMail kind, const std::string& event_name);
}  // namespace event_mail

}  // namespace ems
