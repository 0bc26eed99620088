// The mail queue: every message is written to outbox_dir as one .eml file
// by the request that caused it (mail::send), and, when smtp_url is set,
// delivered from there by the pool's mail sender, off the request path.
//
// outbox_dir/
//   DUE-HEX.eml, DUE-HEX-rN.eml   queued: DUE is the epoch second from
//                                 which it may be sent, N the failed tries
//   sending/NAME.HOST.PID         claimed by one sender (a rename: atomic,
//                                 also on a shared folder, so two senders
//                                 on two hosts never take the same file)
//   failed/NAME                   given up after mail_max_attempts tries
// A claim older than claim_timeout (a sender killed mid-send) goes back to
// the queue, so a message is sent at least once, rarely twice.
#pragma once
#include <functional>
#include <string>

#include "core/config.hpp"

namespace ems::mail {

struct QueueStats {
    int sent = 0, retried = 0, failed = 0, reclaimed = 0;
};

// The SMTP hand-over of one formatted message; throws std::runtime_error.
using Transport = std::function<void(const std::string& to, const std::string& eml)>;

// One pass over the queue: returns stale claims, then sends every message
// that is due, oldest first, until `stop` says so (checked between messages).
QueueStats deliver_due(const Config& config, const Transport& transport,
                       const std::function<bool()>& stop);

// libcurl's SMTP client on config.smtp_url.
Transport smtp_transport(const Config& config);

// Seconds before try `attempt` (1-based count of failures so far) is retried.
long retry_delay(const Config& config, int attempt);

}  // namespace ems::mail
