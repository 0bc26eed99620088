#include "models/mail_queue.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/log.hpp"
#include "models/mailer.hpp"
#include "storage/fs_util.hpp"

namespace ems::mail {
namespace fs = std::filesystem;
namespace {

constexpr long claim_timeout_s = 600;  // well past curl's 20 s per message
constexpr long retry_cap_s = 3600;

struct Queued {
    fs::path path;
    long due = 0;
    int attempts = 0;
    std::string id;  // HEX: the message's name without due time and tries
};

bool digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// DUE-HEX.eml or DUE-HEX-rN.eml; anything else is not the queue's.
std::optional<Queued> parse_name(const fs::path& path) {
    auto name = path.filename().string();
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".eml") != 0) return std::nullopt;
    name.resize(name.size() - 4);
    const auto dash = name.find('-');
    if (dash == std::string::npos || !digits(name.substr(0, dash))) return std::nullopt;
    Queued q{path, std::stol(name.substr(0, dash)), 0, name.substr(dash + 1)};
    if (const auto r = q.id.rfind("-r"); r != std::string::npos && digits(q.id.substr(r + 2))) {
        q.attempts = std::stoi(q.id.substr(r + 2));
        q.id.resize(r);
    }
    if (q.id.empty()) return std::nullopt;
    return q;
}

std::string queued_name(long due, const std::string& id, int attempts) {
    return std::to_string(due) + "-" + id + (attempts ? "-r" + std::to_string(attempts) : "") +
           ".eml";
}

// The envelope recipient: the To header mail::format_eml wrote.
std::string recipient(const std::string& eml) {
    const auto at = eml.rfind("\r\nTo: ", eml.find("\r\n\r\n"));
    if (at == std::string::npos) throw std::runtime_error("no To header");
    const auto begin = at + 6;
    return eml.substr(begin, eml.find("\r\n", begin) - begin);
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "host";
    std::string h(buf);
    std::replace(h.begin(), h.end(), '.', '_');
    return h;
}

// Claims whose sender died: back to the queue under their queued name.
int reclaim_stale(const fs::path& sending, const fs::path& outbox) {
    int n = 0;
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (const auto& e : fs::directory_iterator(sending, ec)) {
        const auto name = e.path().filename().string();
        const auto eml = name.find(".eml.");
        std::error_code age_ec;
        const auto mtime = fs::last_write_time(e.path(), age_ec);
        if (eml == std::string::npos || age_ec ||
            now - mtime < std::chrono::seconds(claim_timeout_s))
            continue;
        if (::rename(e.path().c_str(), (outbox / name.substr(0, eml + 4)).c_str()) == 0) {
            ++n;
            log::error("mail: " + name.substr(0, eml + 4) +
                       " was claimed by a sender that did not finish; queued again");
        }
    }
    return n;
}

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

}  // namespace

long retry_delay(const Config& config, int attempt) {
    long d = std::max(1, config.mail_retry_first);
    for (int i = 1; i < attempt && d < retry_cap_s; ++i) d *= 2;
    return std::min(d, retry_cap_s);
}

Transport smtp_transport(const Config& config) {
    return [url = config.smtp_url, from = config.mail_from](const std::string& to,
                                                            const std::string& eml) {
        CURL* curl = curl_easy_init();
        if (!curl) throw std::runtime_error("curl_easy_init failed");
        curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
        Upload up{&eml};
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + bare_address(from) + ">").c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        const CURLcode rc = curl_easy_perform(curl);
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(curl);
        if (rc != CURLE_OK) throw std::runtime_error(curl_easy_strerror(rc));
    };
}

QueueStats deliver_due(const Config& config, const Transport& transport,
                       const std::function<bool()>& stop) {
    QueueStats stats;
    const fs::path outbox = config.outbox_dir, sending = outbox / "sending",
                   failed = outbox / "failed";
    storage::ensure_dir(sending);
    storage::ensure_dir(failed);
    stats.reclaimed = reclaim_stale(sending, outbox);

    const long now = std::time(nullptr);
    std::vector<Queued> due;
    for (const auto& e : fs::directory_iterator(outbox))
        if (auto q = parse_name(e.path()); q && e.is_regular_file() && q->due <= now)
            due.push_back(std::move(*q));
    std::sort(due.begin(), due.end(),
              [](const Queued& a, const Queued& b) { return a.due < b.due; });

    const auto claim_suffix = "." + host_name() + "." + std::to_string(::getpid());
    for (const auto& q : due) {
        if (stop()) break;
        // Touched first, so the claim's age counts from now; then the
        // rename decides which sender has it.
        ::utimensat(AT_FDCWD, q.path.c_str(), nullptr, 0);
        const auto claim = sending / (q.path.filename().string() + claim_suffix);
        if (::rename(q.path.c_str(), claim.c_str()) != 0) continue;  // another sender's
        const auto eml = storage::read_file(claim);
        if (!eml) continue;
        try {
            transport(recipient(*eml), *eml);
            fs::remove(claim);
            ++stats.sent;
            log::info("mail: " + q.id + " sent");
            continue;
        } catch (const std::exception& e) {
            const int attempts = q.attempts + 1;
            if (attempts >= config.mail_max_attempts) {
                ::rename(claim.c_str(), (failed / q.path.filename()).c_str());
                ++stats.failed;
                log::error("mail: " + q.id + " not sent after " + std::to_string(attempts) +
                           " tries (" + e.what() + "); kept in " + failed.string());
                continue;
            }
            const long next = std::time(nullptr) + retry_delay(config, attempts);
            ::rename(claim.c_str(), (outbox / queued_name(next, q.id, attempts)).c_str());
            ++stats.retried;
            log::error("mail: " + q.id + " not sent (" + e.what() + "); try " +
                       std::to_string(attempts + 1) + " in " +
                       std::to_string(retry_delay(config, attempts)) + " s");
        }
    }
    return stats;
}

}  // namespace ems::mail
