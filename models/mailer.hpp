// Outgoing mail: one .eml file per message in outbox_dir (development,
// tests, or a relay that picks files up), or SMTP through libcurl when
// smtp_url is set.
#pragma once
#include <string>

#include "core/config.hpp"

namespace ems::mail {

struct Message {
    std::string to, subject, body;
};

// Throws std::runtime_error when the message could not be handed over.
void send(const Config& config, const Message& m);
std::string format_eml(const Config& config, const Message& m);

}  // namespace ems::mail
