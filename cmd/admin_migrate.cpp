#include "cmd/admin_migrate.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>

#include "cmd/admin_backup.hpp"
#include "models/config_store.hpp"
#include "models/migration.hpp"

namespace ems::migration {

namespace {

// A bar with rate and ETA on a terminal, a plain line each 10% otherwise.
Progress progress_printer(const char* what) {
    const bool tty = ::isatty(STDERR_FILENO);
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    int last_decile = -1;
    return [=](std::size_t done, std::size_t total) mutable {
        if (total == 0) return;
        const auto now = std::chrono::steady_clock::now();
        const double secs = std::chrono::duration<double>(now - start).count();
        const double rate = secs > 0 ? done / secs : 0;
        const int percent = static_cast<int>(100 * done / total);
        if (tty) {
            if (done != total && now - last < std::chrono::milliseconds(100)) return;
            last = now;
            const int width = 30, filled = width * percent / 100;
            std::cerr << "\r" << what << " [" << std::string(filled, '#')
                      << std::string(width - filled, ' ') << "] " << std::setw(3) << percent << "% "
                      << done << "/" << total << " items, " << static_cast<long>(rate) << "/s, ETA "
                      << (rate > 0 ? static_cast<long>((total - done) / rate) : 0) << " s   "
                      << (done == total ? "\n" : "") << std::flush;
        } else if (percent / 10 != last_decile) {
            last_decile = percent / 10;
            std::cerr << what << ": " << done << "/" << total << " items (" << percent << "%), "
                      << static_cast<long>(rate) << "/s\n";
        }
    };
}

}  // namespace

// migrate-to-files [--dry-run] [--verify] [--event N]: the seed's
// migrate_to_file_storage. Exit 0 done (or verified), 1 differences found
// by --verify, 2 could not run.
int migrate_to_files_command(int argc, char** argv, const std::string& config_path) {
    Options o;
    bool verify = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dry-run") {
            o.dry_run = true;
        } else if (arg == "--verify") {
            verify = true;
        } else if (arg == "--event" && i + 1 < argc) {
            o.event = ems::storage::parse_event_id(argv[++i]);
            if (!o.event) {
                std::cerr << "ems-admin migrate-to-files: invalid event id " << argv[i] << "\n";
                return 2;
            }
        } else {
            std::cerr << "ems-admin migrate-to-files: unknown option or missing value: " << arg
                      << "\n";
            return 2;
        }
    }
    try {
        ems::ConfigStore store(ems::Config::load(config_path));
        if (verify) {
            const auto diffs = migration::verify(store, o.event);
            for (const auto& d : diffs) std::cout << "differs: " << d << "\n";
            std::cout << (diffs.empty() ? "the files match the database\n"
                                        : std::to_string(diffs.size()) + " difference(s)\n");
            return diffs.empty() ? 0 : 1;
        }
        if (auto refusal =
                backup::foreign_owner_refusal(store.config().storage_root, "migrate-to-files ...");
            !o.dry_run && !refusal.empty()) {
            std::cerr << "ems-admin migrate-to-files: " << refusal << "\n";
            return 2;
        }
        if (const char* k = std::getenv("EMS_MIGRATE_KILL_AFTER")) o.kill_after = std::atoi(k);
        o.progress = progress_printer("migrating");
        print_report(migrate_to_files(store, o), std::cout);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin migrate-to-files: " << e.what() << "\n";
        return 2;
    }
}

// rekey-uids [--map uid-map.tsv] [--dry-run]: after the PHP app's
// uid-to-GUID script. Exit 0 done, 2 could not run (a bad map changes nothing).
int rekey_uids_command(int argc, char** argv, const std::string& config_path) {
    bool dry_run = false;
    std::optional<std::string> map_file;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dry-run") {
            dry_run = true;
        } else if (arg == "--map" && i + 1 < argc) {
            map_file = argv[++i];
        } else {
            std::cerr << "ems-admin rekey-uids: unknown option or missing value: " << arg << "\n";
            return 2;
        }
    }
    try {
        ems::ConfigStore store(ems::Config::load(config_path));
        const auto map = map_file ? read_uid_map(store, *map_file) : detect_uid_map(store);
        if (auto refusal =
                backup::foreign_owner_refusal(store.config().storage_root, "rekey-uids ...");
            !dry_run && !refusal.empty()) {
            std::cerr << "ems-admin rekey-uids: " << refusal << "\n";
            return 2;
        }
        for (const auto& n : map.notes) std::cout << "detected: " << n << "\n";
        if (map.guid_of.empty()) {
            std::cout << "no old integer uid found with a GUID user's e-mail: nothing to re-key "
                         "(give the PHP script's uid-map.tsv with --map)\n";
            return 0;
        }
        print_report(rekey_uids(store, map, dry_run), std::cout);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin rekey-uids: " << e.what() << "\n";
        return 2;
    }
}

}  // namespace ems::migration
