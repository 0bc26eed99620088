// Ids reach paths only after validation: hostile ids are refused before any
// file is touched, and nothing is created outside the storage root.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "storage/file_storage.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

namespace {

struct IdsTempRoot : ems::test::TempRoot {};

const std::string hostile_ids[] = {
    "../x",
    "1/../../etc",
    "%2e%2e",
    std::string("1\0", 2),
    std::string("\0", 1),
    "/etc/passwd",
    std::string(10 * 1024, '1'),
    "",
    "-1",
    "0",
    "01",
    "+1",
    " 1",
    "1 ",
    "1.json",
    "..",
    ".",
    "1e3",
    "0x10",
    "12345678-1234-1234-1234-12345678901",
    "12345678_1234_1234_1234_123456789012",
    "12345678-1234-1234-1234-1234567890123",
    "g2345678-1234-1234-1234-123456789012",
    "12345678901234567890",
    "\xc3\xa9",
    "1\n",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_ids)

BOOST_AUTO_TEST_CASE(valid_uid_accepts_integers_and_guids) {
    for (const char* uid :
         {"1", "42", "9999999999999999999", "0f8fad5b-d9cb-469f-a165-70867728950e",
          "0F8FAD5B-D9CB-469F-A165-70867728950E"})
        BOOST_TEST(valid_uid(uid), uid);
}

BOOST_AUTO_TEST_CASE(valid_uid_refuses_hostile_strings) {
    for (const std::string& uid : hostile_ids)
        BOOST_TEST(!valid_uid(uid), "uid of size " << uid.size());
}

BOOST_AUTO_TEST_CASE(valid_event_id_accepts_up_to_18_digits) {
    BOOST_TEST(valid_event_id(std::string_view("1")));
    BOOST_TEST(valid_event_id(std::string_view("999999999999999999")));
    BOOST_TEST(!valid_event_id(std::string_view("1000000000000000000")));
    BOOST_TEST(parse_event_id("123").value() == 123);
    for (const std::string& id : hostile_ids) BOOST_TEST(!parse_event_id(id).has_value());
    for (std::int64_t id : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN, INT64_MAX})
        BOOST_TEST(!valid_event_id(id));
}

BOOST_AUTO_TEST_CASE(api_refuses_hostile_ids_before_touching_files) {
    IdsTempRoot tmp;
    fs::path root = tmp.dir / "root";
    FileStorage storage(StorageOptions{root});
    Json::Value doc(Json::objectValue);
    doc["x"] = 1;
    for (const std::string& uid : hostile_ids) {
        BOOST_CHECK_THROW(storage.save_user_data(uid, doc, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.get_user_data(uid), InvalidId);
        BOOST_CHECK_THROW(storage.add_participant_to_event(1, uid, doc, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.remove_participant_from_event(1, uid, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.update_participant(1, uid, doc, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.is_user_participant(1, uid), InvalidId);
    }
    for (std::int64_t id : {std::int64_t{0}, std::int64_t{-1}, INT64_MAX}) {
        BOOST_CHECK_THROW(storage.save_event_data(id, doc, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.get_event_data(id), InvalidId);
        BOOST_CHECK_THROW(storage.get_event_participants(id), InvalidId);
        BOOST_CHECK_THROW(storage.add_participant_to_event(id, "1", doc, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.delete_event_data(id, "test"), InvalidId);
        BOOST_CHECK_THROW(storage.compact(id), InvalidId);
    }
    // Nothing but the root was created in the temp dir, and no data files.
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(tmp.dir)) entries += (e.path() != root);
    BOOST_TEST(entries == 0u);
    for (const char* folder : {"users", "events", "participants"})
        BOOST_TEST(fs::is_empty(root / folder), folder);
}

BOOST_AUTO_TEST_SUITE_END()
