// The files the models write, as the PHP app wrote them: the event file
// (sync_event_file) and a participant entry in the PHP app's key order,
// with eventcreator and uid typed as the uid column is; and the models'
// Store (ConfigStore) works with no templates, which only the worker's App
// loads. No database: these writers take the uid type as a parameter.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "handlers/app.hpp"
#include "models/config_store.hpp"
#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"
#include "tests/unit/temp_root.hpp"

using ems::schema::UidKind;
using ems::storage::encode_php_json;
using ems::storage::order_members;

namespace {

ems::events::Event sample_event() {
    ems::events::Event ev;
    ev.id = 3;
    ev.name =
        "Tech Talk: PHP & JSON / \xc3\x9cn\xc3\xaf"
        "code";
    ev.startdate = "2026-12-01 09:00:00";
    ev.enddate = "2026-12-01 18:00:00";
    ev.location = "Hall \"B\"";
    ev.shortinfo = "Bring <laptop>";
    ev.key = "DF57D62E";
    ev.badgepath = "eventbadges/default.png";
    ev.infopath = "";
    return ev;
}

// The file as Event::syncEventToFile wrote it, with the given creator and
// the time stamps the file got.
std::string php_event_file(const std::string& creator, const std::string& created_at,
                           const std::string& last_updated) {
    return "{\n"
           "    \"eventid\": \"3\",\n"
           "    \"eventname\": \"Tech Talk: PHP & JSON \\/ \\u00dcn\\u00efcode\",\n"
           "    \"startdate\": \"2026-12-01 09:00:00\",\n"
           "    \"enddate\": \"2026-12-01 18:00:00\",\n"
           "    \"location\": \"Hall \\\"B\\\"\",\n"
           "    \"eventshortinfo\": \"Bring <laptop>\",\n"
           "    \"eventcreator\": " +
           creator +
           ",\n"
           "    \"eventkey\": \"DF57D62E\",\n"
           "    \"eventbadgepath\": \"eventbadges\\/default.png\",\n"
           "    \"eventinfopath\": \"\",\n"
           "    \"created_at\": \"" +
           created_at +
           "\",\n"
           "    \"last_updated\": \"" +
           last_updated +
           "\",\n"
           "    \"settings\": {\n"
           "        \"registration_open\": true,\n"
           "        \"max_participants\": 25,\n"
           "        \"require_approval\": false\n"
           "    }\n"
           "}";
}

std::string written_event_file(UidKind kind, const std::string& creator) {
    ems::test::TempRoot tmp;
    ems::storage::FileStorage files{ems::storage::StorageOptions{tmp.dir}};
    auto ev = sample_event();
    ev.creator = creator;
    ems::events::Settings s;
    s.max_participants = 25;
    ems::events::sync_event_file(files, ev, s, kind, "test", true);
    const auto data = files.get_event_data(3).value();
    const std::string text = ems::test::slurp(tmp.path("events/3.json"));
    const std::string expected =
        php_event_file(kind == UidKind::integer ? creator : "\"" + creator + "\"",
                       data["created_at"].asString(), data["last_updated"].asString());
    BOOST_TEST(text == expected);
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(php_files)

BOOST_AUTO_TEST_CASE(event_file_has_php_keys_order_and_a_numeric_creator_on_int_uids) {
    written_event_file(UidKind::integer, "12");
}

BOOST_AUTO_TEST_CASE(event_file_has_a_string_creator_on_guid_uids) {
    written_event_file(UidKind::guid, "62ca944f-def4-4bce-a638-e5794c9ae27b");
}

BOOST_AUTO_TEST_CASE(event_file_rewrite_keeps_the_php_files_own_order) {
    // The form every view of the PHP app wrote: no created_at. A rewrite
    // keeps its keys where they were and adds nothing.
    ems::test::TempRoot tmp;
    ems::storage::FileStorage files{ems::storage::StorageOptions{tmp.dir}};
    std::filesystem::create_directories(tmp.path("events"));
    ems::test::spit(tmp.path("events/3.json"),
                    "{\n    \"eventid\": \"3\",\n    \"eventname\": \"Old\",\n"
                    "    \"extra_from_php\": 1,\n    \"last_updated\": \"x\"\n}");
    auto ev = sample_event();
    ev.creator = "1";
    ems::events::sync_event_file(files, ev, {}, UidKind::integer, "test", false);
    const auto data = files.get_event_data(3).value();
    const std::vector<std::string> keys = {
        "eventid",        "eventname",     "extra_from_php", "last_updated", "startdate",
        "enddate",        "location",      "eventshortinfo", "eventcreator", "eventkey",
        "eventbadgepath", "eventinfopath", "settings"};
    BOOST_TEST(order_members(data) == keys, boost::test_tools::per_element());
    BOOST_TEST(data["eventcreator"].isInt());
    BOOST_TEST(data["settings"]["max_participants"].isNull());
}

BOOST_AUTO_TEST_CASE(participant_entry_has_php_keys_in_php_order) {
    ems::User u;
    u.uid = "5";
    u.fname = "Max";
    u.lname = "Emoji";
    u.fullname = "Max <b>&</b> Emoji \xf0\x9f\x8e\x89 \\back";
    u.email = "max@example.test";
    const auto e = ems::events::participant_entry(UidKind::integer, u, false);
    const std::string joined = e["joined_at"].asString();
    BOOST_TEST(encode_php_json(e, true, 1) ==
               "{\n        \"uid\": 5,\n        \"joined_at\": \"" + joined +
                   "\",\n        \"status\": \"registered\",\n"
                   "        \"name\": \"Max <b>&<\\/b> Emoji \\ud83c\\udf89 \\\\back\",\n"
                   "        \"email\": \"max@example.test\"\n    }");
    u.uid = "62ca944f-def4-4bce-a638-e5794c9ae27b";
    const auto g = ems::events::participant_entry(UidKind::guid, u, true);
    BOOST_TEST(g["uid"].isString());
    BOOST_TEST(g["status"].asString() == "pending");
    BOOST_TEST(order_members(g) ==
                   (std::vector<std::string>{"uid", "joined_at", "status", "name", "email"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(config_store_writes_files_without_any_template) {
    ems::test::TempRoot tmp;
    ems::Config c;
    c.views_dir = tmp.path("no-views").string();
    c.storage_root = tmp.path("storage").string();
    ems::ConfigStore store(c);  // opens nothing yet
    store.files().save_user_data("7", ems::storage::php_json::Object{{"uid", 7}}, "test");
    BOOST_TEST(store.files().get_user_data("7").has_value());
    // The worker's App parses the templates when it starts.
    BOOST_CHECK_THROW(ems::App{c}, std::exception);
}

BOOST_AUTO_TEST_SUITE_END()
