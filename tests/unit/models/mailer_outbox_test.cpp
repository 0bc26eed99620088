// models/mailer: each message is one .eml file in the outbox, written by
// the durable atomic write (no temp file left, 0640); models/mail_queue:
// the sender's pass over it, with a transport that records or fails (the
// SMTP conversation itself: tests/integration/mail_queue.test.mjs).
#define BOOST_TEST_DYN_LINK
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/mail_queue.hpp"
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
        BOOST_TEST(text.str().rfind("From: \"Event Management System\" <ems@example.org>\r\nTo: ",
                                    0) == 0u);
        BOOST_TEST(text.str().find("\r\nDate: ") != std::string::npos);
    }
    BOOST_TEST(n == 2u);
    std::error_code ec;
    fs::remove_all(root, ec);
}

namespace {

struct Outbox {
    fs::path root;
    ems::Config config;
    Outbox() {
        char tmpl[] = "/tmp/ems-queue-XXXXXX";
        root = ::mkdtemp(tmpl);
        config.outbox_dir = root.string();
        config.mail_max_attempts = 2;
    }
    ~Outbox() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void put(const std::string& name, const std::string& to) {
        std::ofstream(root / name)
            << "From: ems@localhost\r\nTo: " << to << "\r\nSubject: s\r\n\r\nbody\r\n";
    }
    std::vector<std::string> names(const fs::path& dir) const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

const auto never = [] { return false; };

}  // namespace

BOOST_AUTO_TEST_CASE(due_messages_go_oldest_first_and_leave_the_queue) {
    Outbox box;
    box.put("200-bbbbbb.eml", "b@example.org");
    box.put("100-aaaaaa.eml", "a@example.org");
    box.put("9999999999-later.eml", "later@example.org");  // not due yet
    box.put("notes.txt", "x@example.org");                 // not the queue's
    std::vector<std::string> sent;
    const auto stats = ems::mail::deliver_due(
        box.config, [&](const std::string& to, const std::string&) { sent.push_back(to); }, never);
    BOOST_TEST(stats.sent == 2);
    BOOST_TEST((sent == std::vector<std::string>{"a@example.org", "b@example.org"}));
    BOOST_TEST(
        (box.names(box.root) == std::vector<std::string>{"9999999999-later.eml", "notes.txt"}));
    BOOST_TEST(box.names(box.root / "sending").empty());
}

BOOST_AUTO_TEST_CASE(a_failure_waits_for_its_retry_then_goes_to_failed) {
    Outbox box;
    box.put("100-cccccc.eml", "c@example.org");
    auto refuse = [](const std::string&, const std::string&) {
        throw std::runtime_error("550 no such user");
    };
    auto stats = ems::mail::deliver_due(box.config, refuse, never);
    BOOST_TEST(stats.retried == 1);
    const auto queued = box.names(box.root);
    BOOST_TEST_REQUIRE(queued.size() == 1u);
    BOOST_TEST(queued[0].find("-cccccc-r1.eml") != std::string::npos);
    BOOST_TEST(ems::mail::deliver_due(box.config, refuse, never).retried == 0);  // not due yet
    fs::rename(box.root / queued[0], box.root / "100-cccccc-r1.eml");  // its time has come
    stats = ems::mail::deliver_due(box.config, refuse, never);
    BOOST_TEST(stats.failed == 1);
    BOOST_TEST(box.names(box.root).empty());
    BOOST_TEST((box.names(box.root / "failed") == std::vector<std::string>{"100-cccccc-r1.eml"}));
}

BOOST_AUTO_TEST_CASE(a_stale_claim_is_queued_again_and_a_stop_is_honoured) {
    Outbox box;
    fs::create_directories(box.root / "sending");
    std::ofstream(box.root / "sending" / "100-dddddd.eml.otherhost.42")
        << "From: ems@localhost\r\nTo: d@example.org\r\n\r\nx\r\n";
    const timespec old[2] = {{1000, 0}, {1000, 0}};
    ::utimensat(AT_FDCWD, (box.root / "sending" / "100-dddddd.eml.otherhost.42").c_str(), old, 0);
    std::ofstream(box.root / "sending" / "101-eeeeee.eml.otherhost.43")
        << "From: ems@localhost\r\nTo: e@example.org\r\n\r\nx\r\n";  // being sent now
    box.put("102-ffffff.eml", "f@example.org");
    const auto stats = ems::mail::deliver_due(
        box.config, [](const std::string&, const std::string&) {}, [] { return true; });
    BOOST_TEST(stats.reclaimed == 1);
    BOOST_TEST(stats.sent == 0);  // asked to stop before the first message
    BOOST_TEST(
        (box.names(box.root) == std::vector<std::string>{"100-dddddd.eml", "102-ffffff.eml"}));
    BOOST_TEST((box.names(box.root / "sending") ==
                std::vector<std::string>{"101-eeeeee.eml.otherhost.43"}));
}

BOOST_AUTO_TEST_CASE(retries_double_up_to_an_hour) {
    ems::Config config;
    config.mail_retry_first = 30;
    BOOST_TEST(ems::mail::retry_delay(config, 1) == 30);
    BOOST_TEST(ems::mail::retry_delay(config, 2) == 60);
    BOOST_TEST(ems::mail::retry_delay(config, 8) == 3600);
    BOOST_TEST(ems::mail::retry_delay(config, 40) == 3600);
}

BOOST_AUTO_TEST_SUITE_END()
