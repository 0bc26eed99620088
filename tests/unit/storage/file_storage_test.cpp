// FileStorage behaviour in one process: preservation of unknown keys,
// duplicates, capacity, deletion, corrupt files, torn journals, modes,
// audit trail, cache and compaction.
#define BOOST_TEST_DYN_LINK
#include "storage/file_storage.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/php_json.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

using ems::test::slurp;
using ems::test::spit;

namespace {

struct StorageFixture : ems::test::TempRoot {};

Json::Value obj(std::initializer_list<std::pair<const char*, Json::Value>> members) {
    Json::Value v(Json::objectValue);
    for (const auto& [k, val] : members) v[k] = val;
    return v;
}

unsigned mode_of(const fs::path& p) {
    struct stat st;
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

std::size_t count_matching(const fs::path& dir, const std::string& needle) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        n += e.path().filename().string().find(needle) != std::string::npos;
    return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_file_storage, StorageFixture)

BOOST_AUTO_TEST_CASE(missing_files_are_empty_not_errors) {
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(!s.get_user_data("1"));
    BOOST_TEST(!s.get_event_data(1));
    BOOST_TEST(s.get_event_participants(1)->empty());
    BOOST_TEST(!s.is_user_participant(1, "1"));
    BOOST_TEST(s.list_events().empty());
    BOOST_TEST(!fs::exists(path(".ems/locks/participants-1.lock")));  // readers leave no trace
}

// A Json::Value built in code has no order (jsoncpp sorts keys); keys read
// from a file keep the file's order, new keys go last.
BOOST_AUTO_TEST_CASE(save_keeps_old_keys_and_their_order) {
    FileStorage s{StorageOptions{dir}};
    s.save_event_data(3, obj({{"eventid", 3}, {"created_at", "2026-11-25 16:49:23"}, {"x", 1}}),
                      "admin");
    s.save_event_data(3, obj({{"eventid", "3"}, {"eventname", "New"}}), "admin");
    BOOST_TEST(slurp(path("events/3.json")) ==
               "{\n    \"created_at\": \"2026-11-25 16:49:23\",\n    \"eventid\": \"3\",\n"
               "    \"x\": 1,\n    \"eventname\": \"New\"\n}");
    BOOST_TEST(mode_of(path("events/3.json")) == 0640u);
    BOOST_TEST(mode_of(path("events")) == 0750u);
    BOOST_TEST(mode_of(path(".ems/journal")) == 0750u);
}

BOOST_AUTO_TEST_CASE(duplicate_add_writes_nothing_and_capacity_is_enforced) {
    FileStorage s{StorageOptions{dir}};
    auto entry = obj({{"uid", 1}, {"status", "registered"}});
    BOOST_TEST((s.add_participant_to_event(7, "1", entry, "uid:1", 2) == AddResult::added));
    auto size_before = fs::file_size(path(".ems/journal/7.jnl"));
    BOOST_TEST(
        (s.add_participant_to_event(7, "1", entry, "uid:1", 2) == AddResult::already_present));
    BOOST_TEST(fs::file_size(path(".ems/journal/7.jnl")) == size_before);
    BOOST_TEST((s.add_participant_to_event(7, "2", entry, "uid:2", 2) == AddResult::added));
    BOOST_TEST((s.add_participant_to_event(7, "3", entry, "uid:3", 2) == AddResult::full));
    BOOST_TEST(s.count_participants(7) == 2u);
    BOOST_TEST(mode_of(path(".ems/journal/7.jnl")) == 0640u);
}

BOOST_AUTO_TEST_CASE(update_remove_and_order_survive_compaction) {
    FileStorage s{StorageOptions{dir}};
    for (const char* uid : {"5", "10", "2"})
        s.add_participant_to_event(1, uid, obj({{"uid", uid}, {"status", "registered"}}), "t");
    BOOST_TEST(s.update_participant(1, "10", obj({{"status", "approved"}}), "admin"));
    BOOST_TEST(!s.update_participant(1, "11", obj({{"status", "approved"}}), "admin"));
    BOOST_TEST(s.remove_participant_from_event(1, "5", "admin"));
    BOOST_TEST(!s.remove_participant_from_event(1, "5", "admin"));
    s.compact(1);
    BOOST_TEST(!fs::exists(path(".ems/journal/1.jnl")));
    BOOST_TEST(
        slurp(path("participants/1.json")) ==
        "{\n    \"10\": {\n        \"status\": \"approved\",\n        \"uid\": \"10\"\n    },\n"
        "    \"2\": {\n        \"status\": \"registered\",\n        \"uid\": \"2\"\n    }\n}");
    s.remove_participant_from_event(1, "10", "admin");
    s.remove_participant_from_event(1, "2", "admin");
    s.compact(1);
    BOOST_TEST(slurp(path("participants/1.json")) == "[]");
}

BOOST_AUTO_TEST_CASE(changes_by_another_process_are_seen_through_the_cache) {
    FileStorage a{StorageOptions{dir}}, b{StorageOptions{dir}};
    a.add_participant_to_event(4, "1", obj({{"uid", 1}}), "t");
    auto first = b.get_event_participants(4);
    BOOST_TEST(b.get_event_participants(4) == first);  // unchanged files: same cached list
    a.add_participant_to_event(4, "2", obj({{"uid", 2}}), "t");
    BOOST_TEST(b.count_participants(4) == 2u);
    BOOST_TEST(first->size() == 1u);  // a list handed out never changes
    a.compact(4);
    BOOST_TEST(b.count_participants(4) == 2u);
    a.add_participant_to_event(4, "3", obj({{"uid", 3}}), "t");
    BOOST_TEST(b.count_participants(4) == 3u);
}

BOOST_AUTO_TEST_CASE(delete_removes_files_journal_and_locks) {
    FileStorage s{StorageOptions{dir}};
    s.save_event_data(2, obj({{"eventid", 2}}), "t");
    s.add_participant_to_event(2, "1", obj({{"uid", 1}}), "t");
    s.compact(2);
    s.add_participant_to_event(2, "2", obj({{"uid", 2}}), "t");
    BOOST_TEST((s.list_events() == std::vector<std::int64_t>{2}));
    s.delete_event_data(2, "admin");
    for (const char* p : {"events/2.json", "participants/2.json", ".ems/journal/2.jnl",
                          ".ems/locks/participants-2.lock", ".ems/locks/events-2.lock"})
        BOOST_TEST(!fs::exists(path(p)), p);
    BOOST_TEST(s.count_participants(2) == 0u);
    BOOST_TEST(s.list_events().empty());
}

BOOST_AUTO_TEST_CASE(corrupt_file_is_kept_aside_logged_and_never_overwritten) {
    FileStorage s{StorageOptions{dir}};
    spit(path("participants/9.json"), "{\"1\": {\"uid\": 1},");  // truncated by PHP
    spit(path("users/9.json"), "{\"uid\": ");
    BOOST_CHECK_THROW(s.get_event_participants(9), StorageError);
    BOOST_CHECK_THROW(s.add_participant_to_event(9, "2", obj({{"uid", 2}}), "t"), StorageError);
    BOOST_CHECK_THROW(s.save_user_data("9", obj({{"uid", 9}}), "t"), StorageError);
    try {
        s.get_user_data("9");
        BOOST_FAIL("no error");
    } catch (const StorageError& e) {
        BOOST_TEST(std::string(e.what()).find("users/9.json") != std::string::npos);
    }
    BOOST_TEST(slurp(path("participants/9.json")) == "{\"1\": {\"uid\": 1},");
    BOOST_TEST(slurp(path("users/9.json")) == "{\"uid\": ");
    BOOST_TEST(count_matching(path("participants"), "9.json.corrupt-") == 1u);
    BOOST_TEST(count_matching(path("users"), "9.json.corrupt-") == 1u);
    BOOST_TEST(slurp(path("logs/audit.log")).find("\"result\":\"corrupt\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(torn_journal_tail_is_ignored_then_cut) {
    {
        FileStorage s{StorageOptions{dir}};
        s.add_participant_to_event(3, "1", obj({{"uid", 1}}), "t");
    }
    std::ofstream(path(".ems/journal/3.jnl"), std::ios::app) << "0badc0de {\"op\":\"put\",\"ke";
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(s.count_participants(3) == 1u);
    s.add_participant_to_event(3, "2", obj({{"uid", 2}}), "t");
    FileStorage fresh{StorageOptions{dir}};
    BOOST_TEST(fresh.count_participants(3) == 2u);
    BOOST_TEST(slurp(path(".ems/journal/3.jnl")).find("0badc0de") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(corrupt_journal_record_in_the_middle_is_an_error) {
    FileStorage s{StorageOptions{dir}};
    s.add_participant_to_event(3, "1", obj({{"uid", 1}}), "t");
    s.add_participant_to_event(3, "2", obj({{"uid", 2}}), "t");
    std::string text = slurp(path(".ems/journal/3.jnl"));
    text[text.find("\"uid\":1") + 6] = '7';
    spit(path(".ems/journal/3.jnl"), text);
    FileStorage fresh{StorageOptions{dir}};
    BOOST_CHECK_THROW(fresh.get_event_participants(3), StorageError);
    BOOST_TEST(count_matching(path(".ems/journal"), "3.jnl.corrupt-") == 1u);
}

BOOST_AUTO_TEST_CASE(journal_of_an_older_json_file_is_ignored) {
    // A compaction that crashed after the rename but before removing the
    // journal: the journal names the old file and must not be applied twice.
    FileStorage s{StorageOptions{dir}};
    s.add_participant_to_event(6, "1", obj({{"uid", 1}}), "t");
    s.remove_participant_from_event(6, "1", "t");
    s.add_participant_to_event(6, "1", obj({{"uid", 1}}), "t");
    fs::copy_file(path(".ems/journal/6.jnl"), path("saved.jnl"));
    s.add_participant_to_event(6, "2", obj({{"uid", 2}}), "t");
    s.compact(6);
    fs::copy_file(path("saved.jnl"), path(".ems/journal/6.jnl"));
    FileStorage fresh{StorageOptions{dir}};
    auto list = fresh.get_event_participants(6);
    BOOST_TEST(list->size() == 2u);
    BOOST_TEST(list->begin()->first == "1");
}

BOOST_AUTO_TEST_CASE(auto_compaction_and_stale_temp_cleanup) {
    StorageOptions options{dir};
    options.journal_compact_ops = 10;
    FileStorage s{options};
    for (int i = 1; i <= 25; ++i)
        s.add_participant_to_event(8, std::to_string(i), obj({{"uid", i}}), "t");
    BOOST_TEST(fs::exists(path("participants/8.json")));
    FileStorage fresh{StorageOptions{dir}};
    BOOST_TEST(fresh.count_participants(8) == 25u);
    spit(path("participants/.8.json.tmp.1.0"), "partial");
    fs::last_write_time(path("participants/.8.json.tmp.1.0"),
                        fs::file_time_type::clock::now() - std::chrono::minutes(5));
    spit(path("participants/.9.json.tmp.1.0"), "young: may belong to a live writer");
    FileStorage again{StorageOptions{dir}};
    BOOST_TEST(!fs::exists(path("participants/.8.json.tmp.1.0")));
    BOOST_TEST(fs::exists(path("participants/.9.json.tmp.1.0")));
}

BOOST_AUTO_TEST_CASE(audit_log_has_one_json_object_per_operation) {
    fs::path log = path("custom/audit.log");
    FileStorage s{StorageOptions{dir, log}};
    s.save_user_data("12", obj({{"uid", 12}}), "uid:12");
    s.add_participant_to_event(1, "12", obj({{"uid", 12}}), "uid:12");
    s.add_participant_to_event(1, "12", obj({{"uid", 12}}), "uid:12");
    std::istringstream lines(slurp(log));
    std::vector<Json::Value> records;
    for (std::string line; std::getline(lines, line);) {
        auto v = parse_json(line, nullptr);
        BOOST_REQUIRE(v);
        records.push_back(*v);
    }
    BOOST_REQUIRE(records.size() == 3u);
    BOOST_TEST(records[0]["actor"].asString() == "uid:12");
    BOOST_TEST(records[0]["file"].asString() == "users/12.json");
    BOOST_TEST(records[1]["op"].asString() == "add_participant");
    BOOST_TEST(records[2]["result"].asString() == "already_present");
    BOOST_TEST(!records[0]["ts"].asString().empty());
    BOOST_TEST(mode_of(log) == 0640u);
}

BOOST_AUTO_TEST_CASE(writable_reports_folders) {
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(s.writable("users"));
    BOOST_TEST(s.writable("participants"));
    BOOST_TEST(!s.writable("../etc"));
    BOOST_TEST((s.list_users().empty()));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Descriptors of this process open on `file` (/proc/self/fd).
std::size_t open_on(const fs::path& file) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const auto target = fs::read_symlink(e.path(), ec);
        n += !ec && target == fs::weakly_canonical(file);
    }
    return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_deferred_sync, StorageFixture)

// Inside a scope a write returns before its fdatasync: the journal stays
// open in the scope until sync(), and the record is already visible to
// another reader (another process's FileStorage) before that.
BOOST_AUTO_TEST_CASE(scope_keeps_the_journal_until_sync) {
    FileStorage s{StorageOptions{dir}};
    const fs::path journal = path(".ems/journal/7.jnl");
    BOOST_TEST((s.add_participant_to_event(7, "1", obj({{"uid", 1}}), "t") == AddResult::added));
    BOOST_TEST(open_on(journal) == 0u);  // no scope: synced and closed on return

    BOOST_TEST(DeferredSync::active() == nullptr);
    DeferredSync outer;
    {
        DeferredSync inner;
        BOOST_TEST(DeferredSync::active() == &inner);
        BOOST_TEST(
            (s.add_participant_to_event(7, "2", obj({{"uid", 2}}), "t") == AddResult::added));
        BOOST_TEST(open_on(journal) == 1u);
        FileStorage other{StorageOptions{dir}};
        BOOST_TEST(other.is_user_participant(7, "2"));
    }  // the inner scope hands its descriptor to the outer one
    BOOST_TEST(DeferredSync::active() == &outer);
    BOOST_TEST(open_on(journal) == 1u);
    // A repeat finds the entry and keeps the journal too: whoever answers
    // "already registered" waits for that record to be durable.
    BOOST_TEST(
        (s.add_participant_to_event(7, "2", obj({{"uid", 2}}), "t") == AddResult::already_present));
    BOOST_TEST(open_on(journal) == 2u);
    outer.sync();
    BOOST_TEST(open_on(journal) == 0u);
    outer.sync();  // idempotent
    BOOST_TEST(s.count_participants(7) == 2u);
}

BOOST_AUTO_TEST_CASE(scope_syncs_on_destruction) {
    FileStorage s{StorageOptions{dir}};
    const fs::path journal = path(".ems/journal/8.jnl");
    {
        DeferredSync scope;
        s.add_participant_to_event(8, "1", obj({{"uid", 1}}), "t");
        s.add_participant_to_event(8, "3", obj({{"uid", 3}}), "t");
        BOOST_TEST(open_on(journal) == 2u);
    }
    BOOST_TEST(open_on(journal) == 0u);
    BOOST_TEST(DeferredSync::active() == nullptr);
    FileStorage other{StorageOptions{dir}};
    BOOST_TEST(other.count_participants(8) == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
