// Outgoing mail: one .eml file per message in outbox_dir, written by the
// request that sends it. When smtp_url is set the pool's mail sender
// delivers it from there (models/mail_queue.hpp); when not, the files stay
// (development, tests, or a relay that picks them up).
#pragma once
#include <string>

#include "core/config.hpp"

namespace ems::mail {

struct Message {
    std::string to, subject, body;
};

// Throws std::runtime_error when the message could not be queued (a full
// or read-only disk); an SMTP failure happens later, in the sender.
void send(const Config& config, const Message& m);
std::string format_eml(const Config& config, const Message& m);

}  // namespace ems::mail
