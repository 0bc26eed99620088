// Outgoing mail: one .eml file per message in outbox_dir, written by the
// request that sends it. When smtp_url is set the pool's mail sender
// delivers it from there (models/mail_queue.hpp); when not, the files stay
// (development, tests, or a relay that picks them up).
#pragma once
#include <string>
#include <vector>

#include "core/config.hpp"

namespace ems::mail {

struct Attachment {
    std::string filename, content_type, data;  // content_type without parameters
};

// body is the plain-text part. With neither html nor attachments the mail is
// one text/plain part (the account mails); otherwise multipart/alternative
// (text, then HTML) inside multipart/mixed when there are attachments.
struct Message {
    std::string to, subject, body;
    std::string html = {};
    std::vector<Attachment> attachments = {};
    std::string unsubscribe_url = {};  // List-Unsubscribe, when set
};

// Throws std::runtime_error when the message could not be queued (a full
// or read-only disk); an SMTP failure happens later, in the sender.
void send(const Config& config, const Message& m);
std::string format_eml(const Config& config, const Message& m);
// Many messages at once (a changed or deleted event's participants): each
// written to a hidden temporary file, one syncfs for them all, then each
// renamed into the queue: one disk flush instead of one per message.
// Throws like send(); messages renamed before a failure stay queued.
void send_many(const Config& config, const std::vector<Message>& messages);

// The bare address of a From value: "Name <a@b>" -> "a@b", "a@b" -> "a@b"
// (the SMTP envelope sender).
std::string bare_address(const std::string& from);

// A header value as RFC 2047 encoded words (UTF-8, base64), folded so no
// word is longer than 75 characters; ASCII without controls stays as is.
std::string encode_header_words(const std::string& value);

}  // namespace ems::mail
