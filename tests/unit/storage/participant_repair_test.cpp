// Participant lists that survive copies and restores, and damage that is
// contained and loud: torn vs corrupt journals, journals kept aside when
// the JSON file was rewritten, repair_list, merge_kept_journal and
// inspect_lists.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
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

struct IntegrityRoot : ems::test::TempRoot {};

Json::Value entry(int uid) {
    Json::Value e(Json::objectValue);
    e["uid"] = uid;
    e["status"] = "registered";
    e["name"] = "P\u00e9 " + std::to_string(uid);
    return e;
}

void add_range(FileStorage& s, std::int64_t event, int first, int count) {
    for (int uid = first; uid < first + count; ++uid)
        BOOST_REQUIRE((s.add_participant_to_event(event, std::to_string(uid), entry(uid), "t") ==
                       AddResult::added));
}

void run(const std::string& cmd) {
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
}

// Flips one bit inside the JSON of journal line `line` (1-based), keeping
// its newline: a complete record with a bad CRC.
void flip_bit_in_line(const fs::path& journal, std::size_t line) {
    std::string text = slurp(journal);
    std::size_t pos = 0;
    for (std::size_t i = 1; i < line; ++i) pos = text.find('\n', pos) + 1;
    text[text.find("\"key\"", pos) + 2] ^= 0x01;  // "key" -> "jey"
    spit(journal, text);
}

std::vector<ListProblem> problems_of(FileStorage& s, const std::string& kind) {
    std::vector<ListProblem> out;
    for (auto& p : s.inspect_lists())
        if (p.kind == kind) out.push_back(p);
    return out;
}

std::size_t count_files(const fs::path& dir) {
    std::error_code ec;
    std::size_t n = 0;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        n += it->is_regular_file();
    return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_integrity, IntegrityRoot)

// Measured before: 20 registrations, compact, 30 more, cp -a -> 20 shown,
// and the next add dropped the 30.
BOOST_AUTO_TEST_CASE(copied_or_touched_storage_keeps_every_registration) {
    const std::pair<const char*, const char*> ways[] = {
        {"cp -a", "cp -a '%1$s' '%2$s'"},
        {"cp -r", "cp -r '%1$s' '%2$s'"},
        {"tar", "mkdir '%2$s' && tar -C '%1$s' -cf - . | tar -C '%2$s' -xf -"},
        {"touch", "cp -a '%1$s' '%2$s' && touch '%2$s/participants/1.json'"},
    };
    {
        FileStorage s{StorageOptions{path("orig")}};
        add_range(s, 1, 1, 20);
        s.compact(1);
        add_range(s, 1, 21, 30);
    }
    int n = 0;
    for (const auto& [name, pattern] : ways) {
        BOOST_TEST_CONTEXT(name) {
            const fs::path copy = path("copy-" + std::to_string(++n));
            char cmd[1024];
            std::snprintf(cmd, sizeof cmd, pattern, path("orig").c_str(), copy.c_str());
            run(cmd);
            FileStorage s{StorageOptions{copy}};
            BOOST_TEST(s.count_participants(1) == 50u);
            add_range(s, 1, 51, 1);
            BOOST_TEST(FileStorage{StorageOptions{copy}}.count_participants(1) == 51u);
            BOOST_TEST(count_files(copy / ".ems/journal/kept") == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(journal_header_names_the_json_file_by_size_and_sha256) {
    BOOST_TEST(sha256_hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    FileStorage s{StorageOptions{dir}};
    add_range(s, 2, 1, 3);
    s.compact(2);
    add_range(s, 2, 4, 1);
    const std::string json = slurp(path("participants/2.json"));
    const std::string head = slurp(path(".ems/journal/2.jnl")).substr(0, 200);
    BOOST_TEST(head.find("{\"ems_journal\":2,\"base\":{\"size\":" + std::to_string(json.size()) +
                         ",\"sha256\":\"" + sha256_hex(json) + "\"}") != std::string::npos);
    BOOST_TEST(head.find("\"ino\"") == std::string::npos);
}

// Journals written by older ems name the file by dev/ino/size/mtime: the
// size alone decides, since a copy changes the rest.
BOOST_AUTO_TEST_CASE(version_1_header_matches_by_size) {
    {
        FileStorage s{StorageOptions{dir}};
        add_range(s, 3, 1, 2);
        s.compact(3);
    }
    const auto size = fs::file_size(path("participants/3.json"));
    Json::Value put(Json::objectValue);
    put["op"] = "put";
    put["key"] = "7";
    put["entry"] = entry(7);
    const std::string v1 =
        "{\"ems_journal\":1,\"base\":{\"dev\":1,\"ino\":2,\"size\":" + std::to_string(size) +
        ",\"mtime_ns\":3},\"created_ns\":4}";
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32(v1));
    spit(path(".ems/journal/3.jnl"), std::string(crc) + " " + v1 + "\n" + journal_line(put));
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(s.count_participants(3) == 3u);
    BOOST_TEST(s.is_user_participant(3, "7"));
}

BOOST_AUTO_TEST_CASE(torn_last_line_is_ignored_cut_by_the_next_add_and_nothing_else_lost) {
    {
        FileStorage s{StorageOptions{dir}};
        add_range(s, 4, 1, 3);
    }
    const std::string sound = slurp(path(".ems/journal/4.jnl"));
    std::ofstream(path(".ems/journal/4.jnl"), std::ios::app) << "0badc0de {\"op\":\"put\",\"ke";
    FileStorage s{StorageOptions{dir}};
    BOOST_TEST(s.count_participants(4) == 3u);
    auto torn = problems_of(s, "torn_tail");
    BOOST_REQUIRE(torn.size() == 1u);
    BOOST_TEST(torn[0].event_id == 4);
    BOOST_TEST(problems_of(s, "corrupt_journal").empty());
    add_range(s, 4, 4, 1);
    const std::string after = slurp(path(".ems/journal/4.jnl"));
    BOOST_TEST(after.substr(0, sound.size()) == sound);
    BOOST_TEST(after.find("0badc0de") == std::string::npos);
    BOOST_TEST(FileStorage{StorageOptions{dir}}.count_participants(4) == 4u);
}

// One flipped bit in a complete record is corruption, not a torn write:
// that event refuses every call, its journal is never touched, the other
// events work, and repair_list recovers every other record.
BOOST_AUTO_TEST_CASE(flipped_bit_in_last_or_middle_record_is_corrupt_and_repairable) {
    for (std::size_t bad_line : {4u, 3u}) {  // the header is line 1; adds are lines 2..4
        BOOST_TEST_CONTEXT("bad line " << bad_line) {
            fs::remove_all(dir);
            fs::create_directory(dir);
            {
                FileStorage s{StorageOptions{dir}};
                add_range(s, 5, 1, 3);
                add_range(s, 6, 1, 1);
            }
            const fs::path jnl = path(".ems/journal/5.jnl");
            flip_bit_in_line(jnl, bad_line);
            const std::string damaged = slurp(jnl);
            FileStorage s{StorageOptions{dir}};
            BOOST_CHECK_THROW(s.get_event_participants(5), CorruptList);
            BOOST_CHECK_THROW(s.count_participants(5), CorruptList);
            BOOST_CHECK_THROW(s.is_user_participant(5, "1"), CorruptList);
            BOOST_CHECK_THROW(s.add_participant_to_event(5, "9", entry(9), "t"), CorruptList);
            BOOST_CHECK_THROW(s.remove_participant_from_event(5, "1", "t"), CorruptList);
            BOOST_CHECK_THROW(s.update_participant(5, "1", entry(1), "t"), CorruptList);
            BOOST_CHECK_THROW(s.compact(5), CorruptList);
            BOOST_CHECK_THROW(FileStorage{StorageOptions{dir}}.count_participants(5), CorruptList);
            try {
                s.count_participants(5);
            } catch (const CorruptList& e) {
                BOOST_TEST(e.event_id == 5);
                BOOST_TEST(std::string(e.what()).find(".ems/journal/5.jnl") != std::string::npos);
            }
            BOOST_TEST(slurp(jnl) == damaged);
            add_range(s, 6, 2, 1);
            BOOST_TEST(s.count_participants(6) == 2u);
            auto corrupt = problems_of(s, "corrupt_journal");
            BOOST_REQUIRE(corrupt.size() == 1u);
            BOOST_TEST(corrupt[0].event_id == 5);
            BOOST_TEST(corrupt[0].path == ".ems/journal/5.jnl");
            BOOST_TEST(corrupt[0].detail.find("line " + std::to_string(bad_line)) !=
                       std::string::npos);

            RepairReport dry = s.repair_list(5, "admin", true);
            BOOST_TEST(dry.entries == 2u);
            BOOST_TEST(slurp(jnl) == damaged);
            RepairReport r = s.repair_list(5, "admin", false);
            BOOST_TEST(r.entries == 2u);
            BOOST_TEST(r.records_applied == 2u);
            BOOST_REQUIRE(r.lost.size() == 1u);
            BOOST_TEST(r.lost[0].find("line " + std::to_string(bad_line)) != std::string::npos);
            BOOST_TEST(!r.complete());
            BOOST_TEST(!fs::exists(jnl));
            BOOST_TEST(count_files(path(".ems/damaged")) == 1u);  // the journal, kept
            BOOST_TEST(s.count_participants(5) == 2u);
            add_range(s, 5, 9, 1);
            BOOST_TEST(FileStorage{StorageOptions{dir}}.count_participants(5) == 3u);
            BOOST_TEST(problems_of(s, "corrupt_journal").empty());
        }
    }
}

// Damage written in place while a process has the list cached (same size,
// new mtime) is seen on that process's next read, not only after a restart.
BOOST_AUTO_TEST_CASE(flipped_bit_under_a_warm_cache_is_seen_on_the_next_read) {
    FileStorage s{StorageOptions{dir}};
    add_range(s, 7, 1, 3);
    BOOST_TEST(s.count_participants(7) == 3u);
    const fs::path jnl = path(".ems/journal/7.jnl");
    const auto size = fs::file_size(jnl);
    // A later mtime than the last append, whatever the clock's granularity.
    const auto before = fs::last_write_time(jnl);
    flip_bit_in_line(jnl, 3);
    fs::last_write_time(jnl, before + std::chrono::seconds(1));
    BOOST_REQUIRE(fs::file_size(jnl) == size);
    BOOST_CHECK_THROW(s.count_participants(7), CorruptList);
    BOOST_CHECK_THROW(s.add_participant_to_event(7, "9", entry(9), "t"), CorruptList);
}

// PHP (or a partial restore) rewrote participants/<id>.json: the journal is
// kept aside, never replaced, and merge_kept_journal brings it back.
BOOST_AUTO_TEST_CASE(journal_of_a_rewritten_json_file_is_kept_aside_and_merged) {
    {
        FileStorage s{StorageOptions{dir}};
        add_range(s, 7, 1, 2);
        s.compact(7);
        add_range(s, 7, 3, 3);
        s.remove_participant_from_event(7, "1", "t");
    }
    spit(path("participants/7.json"),
         "{\n    \"1\": {\n        \"uid\": 1\n    },\n    \"99\": {\n        \"uid\": 99\n    "
         "}\n}");
    FileStorage s{StorageOptions{dir}};
    auto pending = problems_of(s, "kept_journal");
    BOOST_REQUIRE(pending.size() == 1u);
    BOOST_TEST(pending[0].path == ".ems/journal/7.jnl");
    BOOST_TEST(pending[0].records == 4u);

    BOOST_TEST(s.count_participants(7) == 2u);  // the JSON file alone
    BOOST_TEST(!fs::exists(path(".ems/journal/7.jnl")));
    BOOST_REQUIRE(count_files(path(".ems/journal/kept")) == 1u);
    auto kept = problems_of(s, "kept_journal");
    BOOST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].event_id == 7);
    BOOST_TEST(kept[0].records == 4u);
    BOOST_TEST(kept[0].path.rfind(".ems/journal/kept/7.", 0) == 0u);
    BOOST_TEST(slurp(path("logs/audit.log")).find("\"result\":\"kept_aside\"") !=
               std::string::npos);
    add_range(s, 7, 6, 1);  // a new journal, bound to the rewritten file
    BOOST_TEST(count_files(path(".ems/journal/kept")) == 1u);

    MergeReport dry = s.merge_kept_journal(7, "admin", true);
    BOOST_TEST((dry.added == std::vector<std::string>{"3", "4", "5"}));
    BOOST_TEST((dry.removed == std::vector<std::string>{"1"}));
    BOOST_TEST(s.count_participants(7) == 3u);
    MergeReport m = s.merge_kept_journal(7, "admin", false);
    BOOST_TEST(m.files.size() == 1u);
    BOOST_TEST((m.added == std::vector<std::string>{"3", "4", "5"}));
    auto list = FileStorage{StorageOptions{dir}}.get_event_participants(7);
    BOOST_TEST(list->size() == 5u);  // 99, 6, 3, 4, 5
    BOOST_TEST(!list->contains("1"));
    BOOST_TEST(count_files(path(".ems/journal/kept")) == 0u);
    BOOST_TEST(count_files(path(".ems/journal/kept/merged")) == 1u);
    BOOST_TEST(problems_of(s, "kept_journal").empty());
    MergeReport again = s.merge_kept_journal(7, "admin", false);
    BOOST_TEST(again.files.empty());
}

// A compaction that crashed after writing the new JSON file but before
// unlinking the journal: the journal is folded, so it is neither applied
// twice nor kept aside.
BOOST_AUTO_TEST_CASE(journal_left_by_a_crashed_compaction_is_recognised_as_folded) {
    FileStorage s{StorageOptions{dir}};
    add_range(s, 8, 1, 2);
    s.compact(8);
    add_range(s, 8, 3, 2);
    s.remove_participant_from_event(8, "3", "t");
    add_range(s, 8, 3, 1);
    fs::copy_file(path(".ems/journal/8.jnl"), path("saved.jnl"));
    s.compact(8);
    fs::copy_file(path("saved.jnl"), path(".ems/journal/8.jnl"));
    FileStorage fresh{StorageOptions{dir}};
    BOOST_TEST(fresh.inspect_lists().empty());
    BOOST_TEST(fresh.count_participants(8) == 4u);
    add_range(fresh, 8, 5, 1);
    BOOST_TEST(FileStorage{StorageOptions{dir}}.count_participants(8) == 5u);
    BOOST_TEST(count_files(path(".ems/journal/kept")) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
