#include "models/mailer.hpp"

#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "core/text.hpp"
#include "core/time.hpp"
#include "storage/fs_util.hpp"

namespace ems::mail {
namespace {

// A unique name, so no lock is needed; the temp file is hidden (".eml.tmp.")
// from whatever picks up *.eml. The name is the queue's (models/mail_queue):
// due now, no failed try yet.
void write_outbox(const Config& config, const std::string& eml) {
    const auto name = std::to_string(std::time(nullptr)) + "-" + random_hex(6) + ".eml";
    try {
        std::filesystem::create_directories(config.outbox_dir);
        storage::write_file_atomic(std::filesystem::path(config.outbox_dir) / name, eml);
    } catch (const std::exception& e) {
        throw std::runtime_error("mail: cannot write to the outbox " + config.outbox_dir + ": " +
                                 e.what());
    }
}

}  // namespace

std::string format_eml(const Config& config, const Message& m) {
    const auto date = time::rfc5322_date(time::now());
    // Addresses were validated by the caller; strip CR/LF anyway so no
    // header can be injected through a subject or address.
    auto clean = [](std::string s) {
        std::erase_if(s, [](char c) { return c == '\r' || c == '\n'; });
        return s;
    };
    return "From: " + clean(config.mail_from) + "\r\nTo: " + clean(m.to) +
           "\r\nSubject: " + clean(m.subject) + "\r\nDate: " + date +
           "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" +
           m.body + "\r\n";
}

void send(const Config& config, const Message& m) {
    write_outbox(config, format_eml(config, m));
}

}  // namespace ems::mail
