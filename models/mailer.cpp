#include "models/mailer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

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

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
}

std::string base64(std::string_view data) {
    std::string b64(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
    b64.resize(static_cast<std::size_t>(n));
    return b64;
}

// Base64 in lines of 76 characters (RFC 2045), each ended by CRLF.
std::string base64_lines(const std::string& data) {
    std::string out;
    for (std::size_t i = 0; i < data.size(); i += 57)
        out += base64(std::string_view(data).substr(i, 57)) + "\r\n";
    return out;
}

// The site's name as an RFC 5322 display name: a quoted string when it is
// ASCII, else RFC 2047 encoded words.
std::string display_name(const std::string& name) {
    if (!printable_ascii(name)) return encode_header_words(name);
    std::string out = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// Bare LF and lone CR become CRLF: a mail's lines end in CRLF.
std::string crlf(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

// An attachment's file name as a quoted-string of safe ASCII characters.
std::string safe_filename(const std::string& name) {
    std::string out;
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')
            out += c;
    return out.empty() ? "attachment" : out;
}

// The domain of the sender's address, for Message-ID.
std::string sender_domain(const std::string& from) {
    const auto addr = bare_address(from);
    const auto at = addr.rfind('@');
    std::string d = at == std::string::npos ? "localhost" : addr.substr(at + 1);
    std::erase_if(d, [](char c) {
        return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-');
    });
    return d.empty() ? "localhost" : d;
}

std::string text_part(const std::string& type, const std::string& body) {
    return "Content-Type: " + type +
           "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(body);
}

// A boundary that occurs in none of the parts (random, so in practice never).
std::string boundary_for(const std::vector<const std::string*>& parts) {
    for (;;) {
        const auto b = "=_ems_" + random_hex(12);
        if (std::none_of(parts.begin(), parts.end(),
                         [&](const std::string* p) { return p->find(b) != std::string::npos; }))
            return b;
    }
}

std::string multipart(const std::string& subtype, const std::vector<std::string>& parts) {
    std::vector<const std::string*> ptrs;
    for (const auto& p : parts) ptrs.push_back(&p);
    const auto b = boundary_for(ptrs);
    std::string out = "Content-Type: multipart/" + subtype + "; boundary=\"" + b + "\"\r\n\r\n";
    for (const auto& p : parts) out += "--" + b + "\r\n" + p + "\r\n";
    return out + "--" + b + "--\r\n";
}

}  // namespace

std::string bare_address(const std::string& from) {
    const auto lt = from.rfind('<');
    const auto gt = from.rfind('>');
    if (lt != std::string::npos && gt != std::string::npos && gt > lt)
        return from.substr(lt + 1, gt - lt - 1);
    return from;
}

std::string encode_header_words(const std::string& value) {
    if (printable_ascii(value)) return value;
    // At most 45 bytes a word (60 of base64 + 12 of "=?UTF-8?B??="),
    // never splitting a UTF-8 sequence.
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
        std::size_t n = std::min<std::size_t>(45, value.size() - i);
        while (n > 0 && i + n < value.size() &&
               (static_cast<unsigned char>(value[i + n]) & 0xC0) == 0x80)
            --n;
        if (n == 0) n = std::min<std::size_t>(45, value.size() - i);
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view(value).substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

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
    std::string head = "From: " + from + "\r\nTo: " + clean(m.to) +
                       "\r\nSubject: " + encode_header_words(clean(m.subject)) +
                       "\r\nDate: " + date + "\r\nMessage-ID: <" + random_hex(16) + "@" +
                       sender_domain(from) + ">";
    if (!m.unsubscribe_url.empty())
        head += "\r\nList-Unsubscribe: <" + clean(m.unsubscribe_url) + ">";
    head += "\r\nMIME-Version: 1.0\r\n";
    if (m.html.empty() && m.attachments.empty())
        return head +
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n" +
               m.body + "\r\n";
    std::string body = m.html.empty()
                           ? text_part("text/plain", crlf(m.body))
                           : multipart("alternative", {text_part("text/plain", crlf(m.body)),
                                                       text_part("text/html", crlf(m.html))});
    if (!m.attachments.empty()) {
        std::vector<std::string> parts{body};
        for (const auto& a : m.attachments) {
            const auto name = safe_filename(a.filename);
            auto type = clean(a.content_type);
            std::erase_if(type, [](char c) { return c == ';' || c == '"' || c == ' '; });
            if (type.rfind("text/", 0) == 0) type += "; charset=UTF-8";
            parts.push_back("Content-Type: " + type + "; name=\"" + name +
                            "\"\r\nContent-Disposition: attachment; filename=\"" + name +
                            "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                            base64_lines(a.data));
        }
        body = multipart("mixed", parts);
    }
    return head + body;
}

void send_many(const Config& config, const std::vector<Message>& messages) {
    if (messages.empty()) return;
    const std::filesystem::path dir(config.outbox_dir);
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> names;  // temp, final
    std::size_t renamed = 0;
    auto fail = [&](const std::string& what) {
        const int saved = errno;
        for (auto i = renamed; i < names.size(); ++i) ::unlink(names[i].first.c_str());
        errno = saved;
        throw std::runtime_error("mail: cannot write to the outbox " + config.outbox_dir + ": " +
                                 what + ": " + std::strerror(errno));
    };
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("mail: cannot create the outbox " + config.outbox_dir);
    const auto now = std::to_string(std::time(nullptr));
    for (const auto& m : messages) {
        const auto name = now + "-" + random_hex(6) + ".eml";
        const auto temp = dir / ("." + name + ".tmp.batch");
        names.emplace_back(temp, dir / name);
        const auto eml = format_eml(config, m);
        const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) fail("open");
        std::size_t done = 0;
        while (done < eml.size()) {
            const auto n = ::write(fd, eml.data() + done, eml.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ::close(fd);
                fail("write");
            }
            done += static_cast<std::size_t>(n);
        }
        if (::close(fd) != 0) fail("close");
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) fail("open the folder");
    const int synced = ::syncfs(dfd);
    ::close(dfd);
    if (synced != 0) fail("syncfs");
    for (; renamed < names.size(); ++renamed)
        if (::rename(names[renamed].first.c_str(), names[renamed].second.c_str()) != 0)
            fail("rename");
    storage::fsync_dir(dir);
}

void send(const Config& config, const Message& m) {
    write_outbox(config, format_eml(config, m));
}

}  // namespace ems::mail
