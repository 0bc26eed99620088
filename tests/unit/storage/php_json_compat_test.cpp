// PHP compatibility both ways: every fixture written by the PHP app reads
// back with its values and types, and what we write is byte-identical to
// PHP's json_encode(JSON_PRETTY_PRINT) and decodes to the same values in PHP.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

using ems::test::slurp;
using ems::test::spit;

namespace {

struct JsonTempRoot : ems::test::TempRoot {};

fs::path fixtures_dir() {
    if (const char* env = std::getenv("EMS_FIXTURES")) return env;
    std::vector<fs::path> bases = {fs::read_symlink("/proc/self/exe").parent_path().parent_path(),
                                   fs::current_path(), "/work/main"};
    for (const fs::path& base : bases) {
        fs::path candidate = base.parent_path() / "shared" / "fixtures" / "php-v2.0.2";
        if (fs::exists(candidate / "storage")) return candidate;
    }
    BOOST_FAIL("PHP fixtures not found; set EMS_FIXTURES");
    return {};
}

std::int64_t stem_id(const fs::path& p) {
    return std::stoll(p.stem().string());
}

// Writes every file of the PHP tree `src` into `dest` through the API.
void copy_through_api(const fs::path& src, const fs::path& dest) {
    FileStorage in{StorageOptions{src}}, out{StorageOptions{dest}};
    for (const std::string& uid : in.list_users())
        out.save_user_data(uid, in.get_user_data(uid).value(), "test");
    for (const auto& e : fs::directory_iterator(src / "events"))
        out.save_event_data(stem_id(e.path()), in.get_event_data(stem_id(e.path())).value(),
                            "test");
    for (std::int64_t id : in.list_participant_events()) {
        for (const auto& [uid, entry] : *in.get_event_participants(id))
            BOOST_TEST((out.add_participant_to_event(id, uid, entry, "test") == AddResult::added));
        out.compact(id);
    }
}

bool php_available() {
    return std::system("php -v >/dev/null 2>&1") == 0;
}

// PHP decodes each pair of files to identical values, types and key order.
bool php_decodes_same(const std::vector<std::pair<fs::path, fs::path>>& pairs) {
    std::string cmd =
        "php -r '$ok = true; for ($i = 1; $i + 1 < $argc; $i += 2) {"
        " $a = var_export(json_decode(file_get_contents($argv[$i]), true), true);"
        " $b = var_export(json_decode(file_get_contents($argv[$i + 1]), true), true);"
        " if ($a !== $b || $a === \"NULL\") { fwrite(STDERR, \"differs: \" . $argv[$i + 1] . "
        "\"\\n\"); $ok = false; } }"
        " exit($ok ? 0 : 1);'";
    for (const auto& [a, b] : pairs) cmd += " '" + a.string() + "' '" + b.string() + "'";
    return std::system(cmd.c_str()) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_json)

BOOST_AUTO_TEST_CASE(php_escapes_decode) {
    std::string error;
    auto v = parse_json(R"({"s": "Jos\u00e9 \ud83c\udf89 \/ \\ \"q\" <\/b>"})", &error);
    BOOST_REQUIRE(v);
    BOOST_TEST((*v)["s"].asString() == "José 🎉 / \\ \"q\" </b>");
}

BOOST_AUTO_TEST_CASE(encoder_writes_php_layout) {
    Json::Value v(Json::objectValue);
    v["s"] = "é🎉/</script>\"\\\n\t\x01";
    v["empty_list"] = Json::Value(Json::arrayValue);
    v["empty_object"] = Json::Value(Json::objectValue);
    v["n"] = 2.0;
    v["list"].append(1);
    v["list"].append(true);
    BOOST_TEST(
        encode_php_json(v) ==
        "{\n    \"empty_list\": [],\n    \"empty_object\": {},\n    \"list\": [\n        1,\n"
        "        true\n    ],\n    \"n\": 2,\n"
        "    \"s\": \"\\u00e9\\ud83c\\udf89\\/<\\/script>\\\"\\\\\\n\\t\\u0001\"\n}");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused_not_written) {
    for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "ok\xf5\x80\x80\x80"}) {
        Json::Value v(Json::objectValue);
        v["name"] = bad;
        BOOST_CHECK_THROW(encode_php_json(v), InvalidData);
    }
    JsonTempRoot tmp;
    FileStorage storage{StorageOptions{tmp.dir}};
    Json::Value entry(Json::objectValue);
    entry["name"] = "old row \xe9t\xe9";  // Latin-1 from an old database row
    BOOST_CHECK_THROW(storage.add_participant_to_event(1, "7", entry, "test"), InvalidData);
    BOOST_CHECK_THROW(storage.save_user_data("7", entry, "test"), InvalidData);
    BOOST_TEST(storage.count_participants(1) == 0u);
    BOOST_TEST(!storage.get_user_data("7"));
}

BOOST_AUTO_TEST_CASE(every_fixture_round_trips_byte_for_byte) {
    const fs::path fixtures = fixtures_dir();
    JsonTempRoot tmp;
    std::vector<std::pair<fs::path, fs::path>> pairs;
    for (const char* tree :
         {"storage", "migrated-storage", "storage-snapshots/after-create-event"}) {
        const fs::path src = tmp.dir / "src" / tree, dest = tmp.dir / "dest" / tree;
        fs::create_directories(src);
        fs::copy(fixtures / tree, src, fs::copy_options::recursive);
        copy_through_api(src, dest);
        for (const auto& e : fs::recursive_directory_iterator(fixtures / tree)) {
            if (!e.is_regular_file()) continue;
            const fs::path ours = dest / fs::relative(e.path(), fixtures / tree);
            BOOST_TEST(slurp(ours) == slurp(e.path()), ours);
            pairs.emplace_back(e.path(), ours);
        }
    }
    BOOST_TEST(pairs.size() == 25u);  // every file of the three trees
    if (php_available())
        BOOST_TEST(php_decodes_same(pairs));
    else
        BOOST_TEST_MESSAGE("php not installed: PHP decode comparison skipped");
}

BOOST_AUTO_TEST_CASE(fixture_types_are_kept) {
    const fs::path fixtures = fixtures_dir();
    JsonTempRoot tmp;
    fs::copy(fixtures / "storage", tmp.dir, fs::copy_options::recursive);
    fs::copy(fixtures / "migrated-storage" / "users" / "1.json", tmp.dir / "users" / "100.json");
    FileStorage storage{StorageOptions{tmp.dir}};
    BOOST_TEST(storage.get_user_data("1").value()["uid"].isInt());
    BOOST_TEST(storage.get_user_data("100").value()["uid"].isString());
    BOOST_TEST(storage.get_event_data(1).value()["eventid"].isString());
    BOOST_TEST(storage.get_event_data(3).value()["eventid"].isInt());
    auto list = storage.get_event_participants(1);
    BOOST_TEST(list->size() == 4u);
    BOOST_TEST(list->find("5")->operator[]("uid").isInt());
    BOOST_TEST((*list->find("5"))["name"].asString() == "Max <b>&</b> Emoji 🎉 \\back");
}

BOOST_AUTO_TEST_CASE(hostile_strings_round_trip_and_php_reencodes_identically) {
    JsonTempRoot tmp;
    FileStorage storage{StorageOptions{tmp.dir}};
    Json::Value entry(Json::objectValue);
    entry["uid"] = "9";
    entry["name"] = "\"quoted\" </script><script>alert(1)</script> 🎉 \\ \u2028 \x7f \x1f";
    BOOST_REQUIRE((storage.add_participant_to_event(5, "9", entry, "test") == AddResult::added));
    BOOST_TEST((*storage.get_event_participants(5)->find("9")) == entry);
    storage.compact(5);
    FileStorage fresh{StorageOptions{tmp.dir}};
    BOOST_TEST((*fresh.get_event_participants(5)->find("9")) == entry);
    if (!php_available()) return;
    const fs::path file = tmp.dir / "participants" / "5.json";
    std::string cmd =
        "php -r 'exit(json_encode(json_decode(file_get_contents($argv[1]), true),"
        " JSON_PRETTY_PRINT) === file_get_contents($argv[1]) ? 0 : 1);' '" +
        file.string() + "'";
    BOOST_TEST(std::system(cmd.c_str()) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
