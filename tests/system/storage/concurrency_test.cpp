// Many processes at once, and writers killed at random instants: no lost
// acknowledged participant, no duplicate, every file parses.
#define BOOST_TEST_DYN_LINK
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"
#include "tests/unit/temp_root.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;

namespace {

struct ConcurrencyRoot : ems::test::TempRoot {};

Json::Value entry_for(int uid) {
    Json::Value e(Json::objectValue);
    e["uid"] = uid;
    e["status"] = "registered";
    e["name"] = "Participant \u00e9 " + std::to_string(uid);
    return e;
}

// Child: adds uids [first, first+count); writes each acknowledged uid to
// `ack_fd` right after its add returned. Never returns.
[[noreturn]] void run_writer(const fs::path& root, int first, int count, int ack_fd,
                             std::size_t compact_ops) {
    int status = 0;
    try {
        StorageOptions options{root};
        options.journal_compact_ops = compact_ops;
        FileStorage storage{options};
        for (int uid = first; uid < first + count; ++uid) {
            if (storage.add_participant_to_event(1, std::to_string(uid), entry_for(uid), "test") !=
                AddResult::added)
                status = 2;
            if (ack_fd >= 0) {
                std::string line = std::to_string(uid) + "\n";
                if (::write(ack_fd, line.data(), line.size()) < 0) status = 3;
            }
        }
    } catch (...) {
        status = 1;
    }
    ::_exit(status);
}

void assert_files_parse(const fs::path& root) {
    const fs::path base = root / "participants" / "1.json";
    if (!fs::exists(base)) return;
    std::ifstream in(base, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string error;
    BOOST_REQUIRE_MESSAGE(parse_json(text, &error), "participants/1.json: " << error);
}

// Acknowledgements a writer sent on its pipe: one uid per line.
class AckReader {
  public:
    explicit AckReader(int fd) : fd_(fd) {}
    // Blocks until at least `n` acks arrived or the writer closed the pipe.
    void wait_for(std::size_t n) {
        while (acks_.size() < n && read_some()) {
        }
    }
    // Everything up to the end of the pipe (the writer is dead).
    const std::set<int>& drain() {
        while (read_some()) {
        }
        return acks_;
    }

  private:
    bool read_some() {
        char buf[4096];
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) return false;
        data_.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = data_.find('\n')) != std::string::npos; data_.erase(0, nl + 1))
            acks_.insert(std::stoi(data_.substr(0, nl)));
        return true;
    }
    int fd_;
    std::string data_;
    std::set<int> acks_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_concurrency)

BOOST_AUTO_TEST_CASE(eight_processes_add_4000_distinct_participants) {
    ConcurrencyRoot tmp;
    std::vector<pid_t> children;
    for (int p = 0; p < 8; ++p) {
        pid_t pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) run_writer(tmp.dir, 1 + p * 500, 500, -1, 4096);
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    FileStorage storage{StorageOptions{tmp.dir}};
    auto list = storage.get_event_participants(1);
    BOOST_TEST(list->size() == 4000u);
    std::set<std::string> seen;
    for (const auto& [uid, entry] : *list) seen.insert(uid);
    BOOST_TEST(seen.size() == 4000u);
    storage.compact(1);
    assert_files_parse(tmp.dir);
    FileStorage fresh{StorageOptions{tmp.dir}};
    BOOST_TEST(fresh.count_participants(1) == 4000u);
    BOOST_TEST(!fs::exists(tmp.dir / ".ems" / "journal" / "1.jnl"));
}

BOOST_AUTO_TEST_CASE(writer_killed_at_random_loses_nothing_acknowledged) {
    ConcurrencyRoot tmp;
    std::mt19937 rng(12345);
    std::set<int> acknowledged;
    int next_uid = 1;
    for (int round = 0; round < 50; ++round) {
        int fds[2];
        BOOST_REQUIRE(::pipe(fds) == 0);
        pid_t pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            // A low compaction threshold puts some kills inside compactions.
            run_writer(tmp.dir, next_uid, 100000, fds[1], 16);
        }
        ::close(fds[1]);
        // The kill must land while the writer is writing, whatever the
        // machine's load: wait for its first acknowledgement (it has opened
        // the storage and written), then a random delay of 0-20 ms.
        AckReader reader(fds[0]);
        reader.wait_for(1);
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status), "writer ended by itself, status " << status);
        const std::set<int>& acks = reader.drain();
        ::close(fds[0]);
        BOOST_REQUIRE_MESSAGE(!acks.empty(), "round " << round << ": no acknowledgement");
        acknowledged.insert(acks.begin(), acks.end());
        assert_files_parse(tmp.dir);
        FileStorage storage{StorageOptions{tmp.dir}};
        auto list = storage.get_event_participants(1);
        for (int uid : acknowledged)
            BOOST_REQUIRE_MESSAGE(list->contains(std::to_string(uid)),
                                  "lost uid " << uid << " round " << round);
        next_uid += 100000;
    }
    // Every round acknowledged at least one add before its kill, and every
    // acknowledged uid survived every later kill and the final compaction.
    BOOST_TEST(acknowledged.size() >= 50u);
    FileStorage storage{StorageOptions{tmp.dir}};
    storage.compact(1);
    assert_files_parse(tmp.dir);
    auto final_list = FileStorage{StorageOptions{tmp.dir}}.get_event_participants(1);
    for (int uid : acknowledged) BOOST_TEST(final_list->contains(std::to_string(uid)), uid);
}

BOOST_AUTO_TEST_SUITE_END()
