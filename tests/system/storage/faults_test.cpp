// A read-only or full storage: FileStorage starts, reads keep working,
// writes throw StorageError with unavailable() true, health() says so, and
// the audit log neither crashes nor leaves a partial record. Needs root for
// the bind mount and the tmpfs; skipped with a message otherwise.
#define BOOST_TEST_DYN_LINK
#include <sys/mount.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/audit_log.hpp"
#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

using ems::test::slurp;

namespace {

// The folder is removed by TempRoot after this destructor unmounts.
struct MountRoot : ems::test::TempRoot {
    std::vector<fs::path> mounts;
    ~MountRoot() {
        for (auto it = mounts.rbegin(); it != mounts.rend(); ++it)
            ::umount2(it->c_str(), MNT_DETACH);
    }
    // Mounts with mount(8); false when not permitted (not root, no CAP_SYS_ADMIN).
    bool mount(const std::string& args, const fs::path& target) {
        fs::create_directories(target);
        const std::string cmd = "mount " + args + " '" + target.string() + "' 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) return false;
        mounts.push_back(target);
        return true;
    }
    bool read_only_copy_of(const fs::path& src, const fs::path& target) {
        return mount("--bind '" + src.string() + "'", target) &&
               std::system(("mount -o remount,bind,ro '" + target.string() + "'").c_str()) == 0;
    }
};

Json::Value entry(int uid) {
    Json::Value e(Json::objectValue);
    e["uid"] = uid;
    e["name"] = std::string(200, 'x');
    return e;
}

// Every line is a JSON object and the file ends with a newline.
void check_whole_records(const fs::path& log, std::size_t* count) {
    const std::string text = slurp(log);
    BOOST_TEST((text.empty() || text.back() == '\n'));
    std::istringstream lines(text);
    *count = 0;
    for (std::string line; std::getline(lines, line); ++*count) {
        auto v = parse_json(line, nullptr);
        BOOST_TEST((v && v->isObject()), "partial audit record: " << line);
    }
}

// Fills the file system of `dir` until a write fails with ENOSPC.
void fill(const fs::path& file) {
    std::ofstream out(file, std::ios::binary);
    const std::string block(4096, 'f');
    while (out.write(block.data(), block.size())) {
    }
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_faults, MountRoot)

BOOST_AUTO_TEST_CASE(read_only_storage_starts_reads_and_refuses_writes_as_unavailable) {
    const fs::path src = dir / "src", ro = dir / "ro", empty_src = dir / "empty",
                   ro_empty = dir / "ro-empty";
    {
        FileStorage s{StorageOptions{src}};
        s.add_participant_to_event(1, "1", entry(1), "t");
        s.compact(1);
        s.add_participant_to_event(1, "2", entry(2), "t");
    }
    fs::create_directories(empty_src);
    if (!read_only_copy_of(src, ro) || !read_only_copy_of(empty_src, ro_empty)) {
        BOOST_TEST_MESSAGE("skipped: mount --bind not permitted (run the unit tests as root)");
        return;
    }
    FileStorage empty{StorageOptions{ro_empty}};  // folders cannot be created: must not throw
    BOOST_TEST(empty.count_participants(1) == 0u);
    BOOST_TEST(empty.health(0).state == "read-only");

    FileStorage s{StorageOptions{ro}};
    BOOST_TEST(s.count_participants(1) == 2u);
    BOOST_TEST(s.is_user_participant(1, "2"));
    for (int attempt = 0; attempt < 2; ++attempt) {  // the audit fallback twice: no crash
        try {
            s.add_participant_to_event(1, "3", entry(3), "t");
            BOOST_FAIL("add on a read-only storage succeeded");
        } catch (const StorageError& e) {
            BOOST_TEST(e.error == EROFS, e.what());
            BOOST_TEST(e.unavailable());
        }
    }
    try {
        s.save_event_data(1, entry(1), "t");
        BOOST_FAIL("save on a read-only storage succeeded");
    } catch (const StorageError& e) {
        BOOST_TEST(e.unavailable(), e.what());
    }
    const StorageHealth h = s.health(0);
    BOOST_TEST(h.state == "read-only");
    BOOST_TEST(!h.detail.empty());
    BOOST_TEST(!s.writable("participants"));
}

BOOST_AUTO_TEST_CASE(full_storage_refuses_writes_as_unavailable_and_keeps_records_whole) {
    const fs::path root = dir / "tiny";
    if (!mount("-t tmpfs -o size=256k tmpfs", root)) {
        BOOST_TEST_MESSAGE("skipped: mount -t tmpfs not permitted (run the unit tests as root)");
        return;
    }
    FileStorage s{StorageOptions{root}};
    for (int uid = 1; uid <= 5; ++uid)
        s.add_participant_to_event(1, std::to_string(uid), entry(uid), "t");
    BOOST_TEST(s.health(1024 * 1024).state == "full");  // below the floor
    fill(root / "filler");
    int refused = 0;
    for (int uid = 6; uid <= 60; ++uid) {  // some may still fit in a partly used page
        try {
            s.add_participant_to_event(1, std::to_string(uid), entry(uid), "t");
        } catch (const StorageError& e) {
            BOOST_TEST(e.unavailable(), e.what());
            ++refused;
        }
    }
    BOOST_TEST(refused > 0);
    BOOST_TEST(s.health(1).state == "full");
    const std::size_t acknowledged = s.count_participants(1);
    fs::remove(root / "filler");
    std::size_t records = 0;
    check_whole_records(root / "logs" / "audit.log", &records);
    BOOST_TEST(records > 0u);
    // The storage recovers by itself once space is back.
    s.add_participant_to_event(1, "100", entry(100), "t");
    BOOST_TEST(FileStorage{StorageOptions{root}}.count_participants(1) == acknowledged + 1);
}

// A short write (disk full mid-record) is cut back; a fragment left by a
// crash gets a newline before the next record; the file is opened lazily.
BOOST_AUTO_TEST_CASE(audit_log_writes_whole_records_or_none) {
    const fs::path root = dir / "tiny";
    if (!mount("-t tmpfs -o size=64k tmpfs", root)) {
        BOOST_TEST_MESSAGE("skipped: mount -t tmpfs not permitted (run the unit tests as root)");
        return;
    }
    const fs::path log = root / "logs" / "audit.log";
    AuditLog audit(log, 0);
    BOOST_TEST(!fs::exists(log));  // lazily opened
    Json::Value record(Json::objectValue);
    record["op"] = "test";
    record["pad"] = std::string(1000, 'p');
    audit.write(record);
    fill(root / "filler");
    for (int i = 0; i < 20; ++i) audit.write(record);  // the page fills up mid-record
    std::size_t records = 0;
    check_whole_records(log, &records);
    BOOST_TEST(records >= 1u);
    BOOST_TEST(records < 21u);
    fs::remove(root / "filler");
    std::ofstream(log, std::ios::app) << "{\"op\":\"torn by a cra";  // a crashed writer
    audit.write(record);
    const std::string text = slurp(log);
    BOOST_TEST(text.substr(text.size() - 1) == "\n");
    BOOST_TEST(text.find("cra{") == std::string::npos);
    BOOST_TEST(text.find("cra\n{\"op\":\"test\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
