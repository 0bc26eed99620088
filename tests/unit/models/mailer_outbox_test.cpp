// models/mailer: without smtp_url each message is one .eml file in the
// outbox, written by the durable atomic write (no temp file left, 0640).
#define BOOST_TEST_DYN_LINK
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/mailer.hpp"

namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(models_mailer_outbox)

BOOST_AUTO_TEST_CASE(each_message_is_one_whole_eml_file) {
    char tmpl[] = "/tmp/ems-outbox-XXXXXX";
    const fs::path root = ::mkdtemp(tmpl);
    ems::Config config;
    config.outbox_dir = (root / "outbox").string();  // created on first use
    config.mail_from = "ems@example.org";
    ems::mail::send(config, {"ann@example.org", "Hello", "Body text"});
    ems::mail::send(config, {"bob@example.org", "Again", "More"});
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(config.outbox_dir)) {
        ++n;
        BOOST_TEST(e.path().extension() == ".eml");
        BOOST_TEST(e.path().filename().string()[0] != '.');
        struct stat st {};
        ::stat(e.path().c_str(), &st);
        BOOST_TEST((st.st_mode & 0777) == 0640u);
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        BOOST_TEST(text.str().rfind("From: ems@example.org\r\nTo: ", 0) == 0u);
        BOOST_TEST(text.str().find("\r\nDate: ") != std::string::npos);
    }
    BOOST_TEST(n == 2u);
    std::error_code ec;
    fs::remove_all(root, ec);
}

BOOST_AUTO_TEST_SUITE_END()
