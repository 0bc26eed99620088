#include "models/mailer.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "core/text.hpp"

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

void write_outbox(const Config& config, const std::string& eml) {
    std::filesystem::create_directories(config.outbox_dir);
    const auto name = std::to_string(std::time(nullptr)) + "-" + random_hex(6) + ".eml";
    const auto final_path = std::filesystem::path(config.outbox_dir) / name;
    const auto tmp = std::filesystem::path(config.outbox_dir) / ("." + name + ".tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) throw std::runtime_error("mail: cannot write to the outbox " + config.outbox_dir);
    const bool ok =
        ::write(fd, eml.data(), eml.size()) == static_cast<ssize_t>(eml.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("mail: writing the outbox file failed");
    std::filesystem::rename(tmp, final_path);
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
    char date[64];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
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
