#include "models/mailer.hpp"

#include <openssl/evp.h>

#include <algorithm>
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

// The site's name as an RFC 5322 display name: a quoted string when it is
// ASCII, else an RFC 2047 encoded word (UTF-8, base64 by OpenSSL).
std::string display_name(const std::string& name) {
    const bool ascii = std::all_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (ascii) {
        std::string out = "\"";
        for (char c : name) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        return out + "\"";
    }
    std::string b64(4 * ((name.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(name.data()),
                                  static_cast<int>(name.size()));
    b64.resize(static_cast<std::size_t>(n));
    return "=?UTF-8?B?" + b64 + "?=";
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
    // From names the site (site_name) unless mail_from already has a name.
    auto from = clean(config.mail_from);
    if (from.find('<') == std::string::npos && !config.site_name.empty())
        from = display_name(clean(config.site_name)) + " <" + from + ">";
    return "From: " + from + "\r\nTo: " + clean(m.to) + "\r\nSubject: " + clean(m.subject) +
           "\r\nDate: " + date +
           "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" +
           m.body + "\r\n";
}

void send(const Config& config, const Message& m) {
    write_outbox(config, format_eml(config, m));
}

}  // namespace ems::mail
