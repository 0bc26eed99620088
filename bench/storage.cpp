// bin/bench-storage: does adding a participant stay flat as lists grow, and
// what does loading a big list cost cold and cached. Not a test; prints a
// table. Lists are written straight in PHP format, as the PHP app leaves them.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace fs = std::filesystem;
using namespace ems::storage;
using Clock = std::chrono::steady_clock;

namespace {

// An entry as the PHP app wrote it (keys in its order).
Json::Value entry_for(long uid) {
    return php_json::Object{{"uid", Json::Int64(uid)},
                            {"joined_at", "2026-11-25 16:49:25"},
                            {"status", "registered"},
                            {"name", "Jos\u00e9 Participant " + std::to_string(uid)},
                            {"email", "user" + std::to_string(uid) + "@example.test"}};
}

void write_php_list(const fs::path& root, std::int64_t event, long count) {
    std::string out = "{";
    for (long uid = 1; uid <= count; ++uid) {
        out += uid == 1 ? "\n    \"" : ",\n    \"";
        out += std::to_string(uid) + "\": " + encode_php_json(entry_for(uid), true, 1);
    }
    out += "\n}";
    fs::create_directories(root / "participants");
    std::ofstream(root / "participants" / (std::to_string(event) + ".json")) << out;
}

template <class Fn>
double ms(Fn&& fn) {
    auto start = Clock::now();
    fn();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Median time of one add into a list of `size`, in a worker whose cache is warm.
double add_one_ms(const fs::path& root, std::int64_t event, long size) {
    FileStorage storage{StorageOptions{root}};
    storage.get_event_participants(event);
    std::vector<double> times;
    for (long i = 1; i <= 31; ++i)
        times.push_back(ms([&] {
            storage.add_participant_to_event(event, std::to_string(size + i), entry_for(size + i),
                                             "bench");
        }));
    return median(times);
}

struct LoadTimes {
    double cold_php, cold_compacted, cached;
};

LoadTimes load_ms(const fs::path& root, std::int64_t event) {
    LoadTimes t{};
    t.cold_php = ms([&] { FileStorage{StorageOptions{root}}.get_event_participants(event); });
    FileStorage{StorageOptions{root}}.compact(event);
    FileStorage storage{StorageOptions{root}};
    t.cold_compacted = ms([&] { storage.get_event_participants(event); });
    std::vector<double> cached;
    for (int i = 0; i < 21; ++i)
        cached.push_back(ms([&] { storage.get_event_participants(event); }));
    t.cached = median(cached);
    return t;
}

}  // namespace

int main() {
    char tmpl[] = "/tmp/ems-bench-XXXXXX";
    const fs::path root = ::mkdtemp(tmpl);
    const long sizes[] = {100, 10'000, 100'000};
    for (long size : sizes) write_php_list(root, size, size);  // event id = its size

    std::printf("add one participant (median of 31, warm worker, fsync included)\n");
    std::printf("%12s %12s %10s\n", "list size", "ms/add", "vs 100");
    double base = 0;
    for (long size : sizes) {
        double t = add_one_ms(root, size, size);
        if (size == 100) base = t;
        std::printf("%12ld %12.3f %9.2fx\n", size, t, t / base);
    }
    std::printf("\nload full list (ms)\n%12s %14s %16s %12s %12s\n", "list size", "cold PHP file",
                "cold compacted", "cached", "cold/cached");
    for (long size : {10'000L, 100'000L}) {
        LoadTimes t = load_ms(root, size);
        std::printf("%12ld %14.2f %16.2f %12.4f %11.0fx\n", size, t.cold_php, t.cold_compacted,
                    t.cached, t.cold_compacted / t.cached);
    }
    fs::remove_all(root);
    return 0;
}
