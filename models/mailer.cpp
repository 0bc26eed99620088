#include "models/mailer.hpp"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "core/text.hpp"
#include "core/time.hpp"
#include "storage/fs_util.hpp"

namespace ems::mail {
namespace {

struct Upload {
    const std::string* data;
    std::size_t pos = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* userp) {
    auto* u = static_cast<Upload*>(userp);
    const auto len = std::min(size * n, u->data->size() - u->pos);
    std::memcpy(buf, u->data->data() + u->pos, len);
    u->pos += len;
    return len;
}

// A unique name, so no lock is needed; the temp file is hidden (".eml.tmp.")
// from whatever picks up *.eml.
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

void send_smtp(const Config& config, const Message& m, const std::string& eml) {
    CURL* curl = curl_easy_init();
    if (!curl) throw std::runtime_error("mail: curl_easy_init failed");
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
    Upload up{&eml};
    curl_easy_setopt(curl, CURLOPT_URL, config.smtp_url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + config.mail_from + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        throw std::runtime_error(std::string("mail: SMTP failed: ") + curl_easy_strerror(rc));
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
    const auto eml = format_eml(config, m);
    if (config.smtp_url.empty())
        write_outbox(config, eml);
    else
        send_smtp(config, m, eml);
}

}  // namespace ems::mail
