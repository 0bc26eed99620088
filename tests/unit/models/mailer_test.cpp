// models/mailer: format_eml never lets a subject, address or sender add a
// header (CR/LF injection), and keeps the body as given.
#define BOOST_TEST_DYN_LINK
#include "models/mailer.hpp"

#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace {

// The header block, one header per element.
std::vector<std::string> headers(const std::string& eml) {
    std::vector<std::string> out;
    const auto end = eml.find("\r\n\r\n");
    BOOST_REQUIRE(end != std::string::npos);
    std::size_t pos = 0;
    while (pos < end) {
        const auto nl = eml.find("\r\n", pos);
        out.push_back(eml.substr(pos, nl - pos));
        pos = nl + 2;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mailer)

BOOST_AUTO_TEST_CASE(format_eml_has_the_headers_and_the_body) {
    ems::Config c;
    c.mail_from = "ems@example.org";
    const auto eml = ems::mail::format_eml(c, {"ada@example.org", "Hello", "Line 1\r\nLine 2"});
    const auto h = headers(eml);
    BOOST_REQUIRE_EQUAL(h.size(), 8u);
    BOOST_TEST(h[0] == "From: \"Event Management System\" <ems@example.org>");
    BOOST_TEST(h[1] == "To: ada@example.org");
    BOOST_TEST(h[2] == "Subject: Hello");
    BOOST_TEST(h[3].rfind("Date: ", 0) == 0);
    BOOST_TEST(h[4].rfind("Message-ID: <", 0) == 0);
    BOOST_TEST(h[4].find("@example.org>") == h[4].size() - 13);
    BOOST_TEST(eml.substr(eml.find("\r\n\r\n") + 4) == "Line 1\r\nLine 2\r\n");
}

BOOST_AUTO_TEST_CASE(from_names_the_site) {
    ems::Config c;
    c.mail_from = "ems@example.org";
    c.site_name = "Kurse \"Nord\" \\ Süd";
    BOOST_TEST(headers(ems::mail::format_eml(c, {"a@example.org", "s", "b"}))[0] ==
               "From: =?UTF-8?B?S3Vyc2UgIk5vcmQiIFwgU8O8ZA==?= <ems@example.org>");
    c.site_name = "Kurse \"Nord\" \\ Sued";
    BOOST_TEST(headers(ems::mail::format_eml(c, {"a@example.org", "s", "b"}))[0] ==
               "From: \"Kurse \\\"Nord\\\" \\\\ Sued\" <ems@example.org>");
    // A mail_from with its own name is kept as it is.
    c.mail_from = "Events <events@example.org>";
    BOOST_TEST(headers(ems::mail::format_eml(c, {"a@example.org", "s", "b"}))[0] ==
               "From: Events <events@example.org>");
}

BOOST_AUTO_TEST_CASE(format_eml_strips_cr_and_lf_from_every_header_value) {
    const std::vector<std::string> hostile = {
        "x\r\nBcc: victim@example.org",
        "x\nBcc: victim@example.org",
        "x\rBcc: victim@example.org",
        "x\r\n\r\nbody injected",
        "\r\n",
        "x\n\n\nContent-Type: text/html",
    };
    for (const auto& bad : hostile) {
        ems::Config c;
        c.mail_from = "ems@example.org" + bad;
        const auto eml = ems::mail::format_eml(c, {"ada@example.org" + bad, "Hi" + bad, "body"});
        const auto h = headers(eml);
        BOOST_TEST(h.size() == 8u, "headers for " << bad);
        for (const auto& line : h) {
            BOOST_TEST(line.find('\r') == std::string::npos);
            BOOST_TEST(line.find('\n') == std::string::npos);
            BOOST_TEST(line.rfind("Bcc", 0) != 0u);
        }
        BOOST_TEST(eml.substr(eml.find("\r\n\r\n") + 4) == "body\r\n");
    }
}

BOOST_AUTO_TEST_CASE(a_subject_outside_ascii_is_encoded_words_of_at_most_75_characters) {
    BOOST_TEST(ems::mail::encode_header_words("Plain subject") == "Plain subject");
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "Zürich ";  // 320 bytes, ü is two
    const auto enc = ems::mail::encode_header_words(subject);
    std::string decoded;
    std::size_t pos = 0;
    for (;;) {
        const auto end = enc.find("\r\n ", pos);
        const auto word = enc.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        BOOST_TEST(word.size() <= 75u);
        BOOST_REQUIRE(word.rfind("=?UTF-8?B?", 0) == 0);
        BOOST_REQUIRE(word.size() >= 12);
        // Each word decodes on its own to whole UTF-8 characters.
        const auto b64 = word.substr(10, word.size() - 12);
        std::string raw(b64.size(), '\0');
        const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                      reinterpret_cast<const unsigned char*>(b64.data()),
                                      static_cast<int>(b64.size()));
        BOOST_REQUIRE(n >= 0);
        raw.resize(static_cast<std::size_t>(n));
        while (!raw.empty() && raw.back() == '\0' && b64.back() == '=') {
            raw.pop_back();
            if (b64.size() >= 2 && b64[b64.size() - 2] != '=') break;
        }
        BOOST_TEST((static_cast<unsigned char>(raw[0]) & 0xC0) != 0x80);
        decoded += raw;
        if (end == std::string::npos) break;
        pos = end + 3;
    }
    BOOST_TEST(decoded == subject);
}

BOOST_AUTO_TEST_CASE(html_and_an_attachment_make_a_mixed_mail_with_an_alternative_inside) {
    ems::Config c;
    c.mail_from = "Events <events@example.org>";
    ems::mail::Message m{"ada@example.org", "You are registered", "Text line\nsecond"};
    m.html = "<p>HTML</p>";
    m.attachments.push_back({"../evil\r\nname.ics", "text/calendar", "BEGIN:VCALENDAR\r\n"});
    m.unsubscribe_url = "https://ems.example.org/dashboard/profile#notifications";
    const auto eml = ems::mail::format_eml(c, m);
    const auto h = headers(eml);
    BOOST_TEST(h[5] ==
               "List-Unsubscribe: <https://ems.example.org/dashboard/profile#notifications>");
    BOOST_TEST(eml.find("Content-Type: multipart/mixed; boundary=\"=_ems_") != std::string::npos);
    BOOST_TEST(eml.find("Content-Type: multipart/alternative; boundary=\"=_ems_") !=
               std::string::npos);
    BOOST_TEST(eml.find("Content-Type: text/calendar; charset=UTF-8; name=\"..evilname.ics\"") !=
               std::string::npos);
    BOOST_TEST(eml.find("filename=\"..evilname.ics\"") != std::string::npos);
    // Every line within RFC 5322's 998 octets, every line ended by CRLF.
    std::size_t pos = 0;
    while (pos < eml.size()) {
        const auto nl = eml.find("\r\n", pos);
        BOOST_REQUIRE(nl != std::string::npos);
        BOOST_TEST(nl - pos <= 998u);
        BOOST_TEST(eml.substr(pos, nl - pos).find('\n') == std::string::npos);
        pos = nl + 2;
    }
}

BOOST_AUTO_TEST_CASE(the_envelope_sender_is_the_bare_address) {
    BOOST_TEST(ems::mail::bare_address("Events <events@example.org>") == "events@example.org");
    BOOST_TEST(ems::mail::bare_address("events@example.org") == "events@example.org");
}

BOOST_AUTO_TEST_SUITE_END()
