// models/mailer: format_eml never lets a subject, address or sender add a
// header (CR/LF injection), and keeps the body as given.
#define BOOST_TEST_DYN_LINK
#include "models/mailer.hpp"

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
    BOOST_REQUIRE_EQUAL(h.size(), 7u);
    BOOST_TEST(h[0] == "From: \"Event Management System\" <ems@example.org>");
    BOOST_TEST(h[1] == "To: ada@example.org");
    BOOST_TEST(h[2] == "Subject: Hello");
    BOOST_TEST(h[3].rfind("Date: ", 0) == 0);
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
        BOOST_TEST(h.size() == 7u, "headers for " << bad);
        for (const auto& line : h) {
            BOOST_TEST(line.find('\r') == std::string::npos);
            BOOST_TEST(line.find('\n') == std::string::npos);
            BOOST_TEST(line.rfind("Bcc", 0) != 0u);
        }
        BOOST_TEST(eml.substr(eml.find("\r\n\r\n") + 4) == "body\r\n");
    }
}

BOOST_AUTO_TEST_SUITE_END()
