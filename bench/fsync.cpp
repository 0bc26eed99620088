// bin/bench-fsync: what this machine's disk allows a registration, measured
// in the same `make bench` run as the registrations themselves. Each
// registration appends one journal record and fdatasyncs it (and MariaDB's
// commit syncs its redo log), so durable appends per second bound
// registrations per second: one writer alone, then 16 writers each on its
// own file (16 events: ext4's journal commits batch them), then 16 writers
// on one file (one event), each append + fdatasync under flock as the
// storage does it, and without holding the lock across the sync.
// Prints a table; not a test.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

enum class Mode { own_file, one_file_lock_across_sync, one_file_sync_after_unlock };

// Appends of a journal record's size (about 200 bytes) by `writers` threads
// for `seconds`; returns durable appends per second.
double appends_per_second(const fs::path& dir, int writers, Mode mode, double seconds) {
    const std::string record(200, 'x');
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            const auto name = mode == Mode::own_file ? "own-" + std::to_string(w) : "one";
            const int fd = ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
            if (fd < 0) std::abort();
            while (!stop.load()) {
                ::flock(fd, LOCK_EX);
                if (::write(fd, record.data(), record.size()) < 0) std::abort();
                if (mode == Mode::one_file_sync_after_unlock) ::flock(fd, LOCK_UN);
                ::fdatasync(fd);
                if (mode != Mode::one_file_sync_after_unlock) ::flock(fd, LOCK_UN);
                done.fetch_add(1);
            }
            ::close(fd);
        });
    }
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    return static_cast<double>(done.load()) / secs;
}

}  // namespace

int main() {
    char tmpl[] = "/tmp/ems-bench-fsync-XXXXXX";
    const fs::path dir = ::mkdtemp(tmpl);
    const double seconds =
        std::getenv("BENCH_FSYNC_SECONDS") ? std::atof(std::getenv("BENCH_FSYNC_SECONDS")) : 2.0;
    std::printf("durable appends (200 B + fdatasync) per second, %.0f s each, in %s\n", seconds,
                dir.c_str());
    std::printf("%-44s %12s\n", "writers", "appends/s");
    const struct {
        const char* name;
        int writers;
        Mode mode;
    } runs[] = {
        {"1 writer", 1, Mode::own_file},
        {"16 writers, own file each", 16, Mode::own_file},
        {"16 writers, one file, lock held across sync", 16, Mode::one_file_lock_across_sync},
        {"16 writers, one file, sync after unlock", 16, Mode::one_file_sync_after_unlock},
    };
    for (const auto& run : runs)
        std::printf("%-44s %12.0f\n", run.name,
                    appends_per_second(dir, run.writers, run.mode, seconds));
    fs::remove_all(dir);
    return 0;
}
