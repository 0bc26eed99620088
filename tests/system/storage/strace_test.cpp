// The durability protocol as the kernel sees it: a whole-file write runs
// lock -> temp file -> fsync -> rename -> fsync of the folder -> unlock.
// Runs bin/test-storage_op (next to this binary) under strace.
#define BOOST_TEST_DYN_LINK
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "storage/file_storage.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;

namespace {

struct StraceRoot : ems::test::TempRoot {};

std::vector<std::string> trace(const fs::path& root, const std::string& args) {
    const fs::path tool = fs::read_symlink("/proc/self/exe").parent_path() / "test-storage_op";
    BOOST_REQUIRE_MESSAGE(fs::exists(tool),
                          tool << " missing: build it (make bin/test-storage_op)");
    const fs::path out = root / "strace.txt";
    std::string cmd = "strace -f -o '" + out.string() +
                      "' -e trace=flock,openat,fsync,fdatasync,rename '" + tool.string() + "' '" +
                      (root / "data").string() + "' " + args + " >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "failed: " << cmd);
    std::ifstream in(out);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Index of the first line at or after `from` matching `pattern`; fails if none.
std::size_t find_after(const std::vector<std::string>& lines, std::size_t from,
                       const std::string& pattern, std::smatch* match = nullptr) {
    const std::regex re(pattern);
    for (std::size_t i = from; i < lines.size(); ++i) {
        std::smatch m;
        if (std::regex_search(lines[i], m, re)) {
            if (match) *match = m;
            return i;
        }
    }
    BOOST_FAIL("no line matching " << pattern << " after line " << from);
    return 0;
}

void check_protocol(const std::vector<std::string>& lines, const std::string& lock_name,
                    const std::string& folder, const std::string& file) {
    std::smatch m;
    std::size_t i = find_after(lines, 0, "openat\\(.*/" + lock_name + "\", .*= (\\d+)$", &m);
    const std::string lock_fd = m[1];
    i = find_after(lines, i, "flock\\(" + lock_fd + ", LOCK_EX\\)\\s+= 0");
    i = find_after(
        lines, i,
        "openat\\(.*/" + folder + "/\\." + file + "\\.tmp\\.[^\"]*\", .*O_CREAT.*= (\\d+)$", &m);
    const std::string temp_fd = m[1];
    i = find_after(lines, i, "fsync\\(" + temp_fd + "\\)\\s+= 0");
    i = find_after(lines, i,
                   "rename\\(\".*/" + folder + "/\\." + file + "\\.tmp[^\"]*\", \".*/" + folder +
                       "/" + file + "\"\\)\\s+= 0");
    i = find_after(lines, i, "openat\\(.*/" + folder + "\", O_RDONLY[^)]*O_DIRECTORY.*= (\\d+)$",
                   &m);
    i = find_after(lines, i, "fsync\\(" + std::string(m[1]) + "\\)\\s+= 0");
    find_after(lines, i, "flock\\(" + lock_fd + ", LOCK_UN\\)\\s+= 0");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_strace)

BOOST_AUTO_TEST_CASE(save_event_locks_writes_temp_fsyncs_renames_fsyncs_folder_unlocks) {
    if (std::system("strace -V >/dev/null 2>&1") != 0) BOOST_FAIL("strace not installed");
    StraceRoot tmp;
    check_protocol(trace(tmp.dir, "save-event 5"), "events-5.lock", "events", "5.json");
}

BOOST_AUTO_TEST_CASE(compaction_follows_the_same_protocol) {
    StraceRoot tmp;
    trace(tmp.dir, "add 5 12");
    auto lines = trace(tmp.dir, "compact 5");
    check_protocol(lines, "participants-5.lock", "participants", "5.json");
    // The journal is removed only after the new JSON file is durable.
    std::size_t rename = find_after(lines, 0, "rename\\(.*participants/5.json\"\\)\\s+= 0");
    find_after(lines, rename, "openat\\(.*/.ems/journal\", O_RDONLY[^)]*O_DIRECTORY");
}

BOOST_AUTO_TEST_CASE(add_appends_and_fdatasyncs_under_the_lock) {
    StraceRoot tmp;
    trace(tmp.dir, "add 5 12");
    auto lines = trace(tmp.dir, "add 5 13");
    std::smatch m;
    std::size_t i = find_after(lines, 0, "openat\\(.*/participants-5.lock\", .*= (\\d+)$", &m);
    const std::string lock_fd = m[1];
    i = find_after(lines, i, "flock\\(" + lock_fd + ", LOCK_EX\\)\\s+= 0");
    i = find_after(lines, i, "openat\\(.*/.ems/journal/5.jnl\", O_WRONLY[^)]*O_APPEND.*= (\\d+)$",
                   &m);
    i = find_after(lines, i, "fdatasync\\(" + std::string(m[1]) + "\\)\\s+= 0");
    find_after(lines, i, "flock\\(" + lock_fd + ", LOCK_UN\\)\\s+= 0");
}

BOOST_AUTO_TEST_SUITE_END()
