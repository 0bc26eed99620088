// Hand-edited or planted list files: each makes its own event's list
// corrupt (CorruptList), is reported by inspect_lists, and stops nothing
// else. Odd but valid PHP content is not corrupt.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/file_storage.hpp"
#include "storage/journal.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

using ems::test::slurp;
using ems::test::spit;

namespace {

struct BadInputRoot : ems::test::TempRoot {};

Json::Value entry(int uid) {
    Json::Value e(Json::objectValue);
    e["uid"] = uid;
    return e;
}

// A framed journal line around any body (a valid CRC over bad content).
std::string framed(const std::string& body) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32(body));
    return std::string(crc) + " " + body + "\n";
}

const ListProblem* problem_for(const std::vector<ListProblem>& all, std::int64_t id) {
    for (const auto& p : all)
        if (p.event_id == id) return &p;
    return nullptr;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_bad_input, BadInputRoot)

BOOST_AUTO_TEST_CASE(each_damaged_list_is_reported_and_only_its_event_fails) {
    {
        FileStorage s{StorageOptions{dir}};
        for (std::int64_t id : {1, 2, 3, 4, 5, 6, 7, 8})
            s.add_participant_to_event(id, "1", entry(1), "t");
        s.compact(1);
        s.compact(2);
        s.compact(3);
    }
    const std::string header = slurp(path(".ems/journal/4.jnl"));
    // 1: a folder; 2: a symlink to another event's (sound) file; 3: not JSON.
    fs::remove(path("participants/1.json"));
    fs::create_directory(path("participants/1.json"));
    fs::remove(path("participants/2.json"));
    fs::create_symlink(path("participants/3.json"), path("participants/2.json"));
    spit(path("participants/3.json"), "{\"1\": {\"uid\": 1},");
    // 4-7: journals with a complete line that is not a record.
    spit(path(".ems/journal/4.jnl"), header + "{\"op\":\"put\" not framed\n");
    spit(path(".ems/journal/5.jnl"), header + framed("[1,2]"));
    spit(path(".ems/journal/6.jnl"), header + framed("{\"op\":\"zap\",\"key\":\"1\"}"));
    spit(path(".ems/journal/7.jnl"), header + framed("{\"op\":\"del\"}"));

    FileStorage s{StorageOptions{dir}};
    for (std::int64_t id : {1, 2, 3, 4, 5, 6, 7}) {
        BOOST_TEST_CONTEXT("event " << id) {
            BOOST_CHECK_THROW(s.get_event_participants(id), CorruptList);
            BOOST_CHECK_THROW(s.add_participant_to_event(id, "2", entry(2), "t"), CorruptList);
        }
    }
    BOOST_TEST(s.count_participants(8) == 1u);
    BOOST_TEST((s.add_participant_to_event(8, "2", entry(2), "t") == AddResult::added));
    BOOST_TEST(fs::is_symlink(path("participants/2.json")));  // nothing rewritten
    BOOST_TEST(slurp(path("participants/3.json")) == "{\"1\": {\"uid\": 1},");

    const auto all = s.inspect_lists();
    const std::pair<std::int64_t, const char*> expected[] = {
        {1, "not_a_file"},      {2, "not_a_file"},      {3, "corrupt_list"},
        {4, "corrupt_journal"}, {5, "corrupt_journal"}, {6, "corrupt_journal"},
        {7, "corrupt_journal"},
    };
    for (const auto& [id, kind] : expected) {
        const ListProblem* p = problem_for(all, id);
        BOOST_REQUIRE_MESSAGE(p, "no problem reported for event " << id);
        BOOST_TEST(p->kind == kind, "event " << id << ": " << p->kind << " " << p->detail);
    }
    BOOST_TEST(!problem_for(all, 8));
    BOOST_TEST(all.size() == 7u);

    // Repair: a folder or link is moved aside (never followed or deleted),
    // the list restarts from the journal's records.
    RepairReport r = s.repair_list(2, "admin", false);
    BOOST_TEST(!r.complete());
    BOOST_TEST(!fs::is_symlink(path("participants/2.json")));
    BOOST_TEST(s.count_participants(2) == 0u);
    BOOST_TEST(slurp(path("participants/3.json")) == "{\"1\": {\"uid\": 1},");
    RepairReport r1 = s.repair_list(1, "admin", false);
    BOOST_TEST(fs::is_regular_file(path("participants/1.json")));
    BOOST_TEST(s.count_participants(1) == 0u);
    RepairReport r6 = s.repair_list(6, "admin", false);
    BOOST_TEST(r6.entries == 1u);  // the sound put before the bad line
    BOOST_TEST(s.count_participants(6) == 1u);
}

BOOST_AUTO_TEST_CASE(odd_but_valid_php_lists_are_not_corrupt) {
    fs::create_directories(path("participants"));
    spit(path("participants/1.json"), "[]");
    spit(path("participants/2.json"), "{\n    \"0\": {\n        \"uid\": 0\n    }\n}");
    spit(path("participants/3.json"), "[\n    {\n        \"uid\": 1\n    }\n]");
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(s.count_participants(1) == 0u);
    BOOST_TEST(s.count_participants(2) == 1u);
    BOOST_TEST(s.count_participants(3) == 1u);
    BOOST_TEST((s.add_participant_to_event(1, "5", entry(5), "t") == AddResult::added));
    BOOST_TEST(s.inspect_lists().empty());
}

BOOST_AUTO_TEST_CASE(listings_skip_odd_names_and_name_an_unreadable_folder) {
    FileStorage s{StorageOptions{dir}};
    s.add_participant_to_event(3, "1", entry(1), "t");
    s.compact(3);
    for (const char* odd : {"participants/x.json", "participants/007.json",
                            "participants/3.json.corrupt-1", ".ems/journal/abc.jnl"})
        spit(path(odd), "{}");
    fs::create_directory(path("participants/12.json.d"));
    BOOST_TEST((s.list_participant_events() == std::vector<std::int64_t>{3}));
    BOOST_TEST((s.list_events() == std::vector<std::int64_t>{3}));

    fs::remove_all(path("participants"));
    spit(path("participants"), "a file where a folder belongs");
    try {
        s.list_participant_events();
        BOOST_FAIL("no error");
    } catch (const StorageError& e) {
        BOOST_TEST(std::string(e.what()).find("participants") != std::string::npos);
    }
    const auto all = s.inspect_lists();
    BOOST_REQUIRE(!all.empty());
    BOOST_TEST(all[0].kind == "unreadable");
    BOOST_TEST(all[0].event_id == 0);
    BOOST_TEST(all[0].path == "participants");
}

BOOST_AUTO_TEST_SUITE_END()
