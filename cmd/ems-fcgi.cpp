// ems-fcgi: the FastCGI pool.
//   ems-fcgi [-c FILE]         applies the schema migrations, then runs the
//                              master and its workers
//   ems-fcgi -t [-c FILE]      tests the configuration (php-fpm's -t): every
//                              value, the database, the folders, the views;
//                              prints "configuration OK" or each problem
//   ems-fcgi --version
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "fcgi/pool.hpp"
#include "models/config_store.hpp"
#include "models/password.hpp"
#include "models/schema.hpp"
#include "views/render.hpp"

#ifndef EMS_VERSION
#define EMS_VERSION "unknown"
#endif

namespace {

int prepare_database(const ems::Config& config) {
    ems::db::Db db(ems::db_options(config));
    ems::schema::check_durability(db);
    if (config.auto_migrate) {
        const int applied = ems::schema::migrate(db);
        if (applied) ems::log::info("schema: applied " + std::to_string(applied) + " migration(s)");
    } else if (ems::schema::current_version(db) < ems::schema::latest_version()) {
        throw std::runtime_error("schema is not up to date; run ems-admin migrate-schema");
    }
    return 0;
}

// A folder the pool writes to: it exists (or its parent does, and the pool
// creates it) and a file can be made in it as this user.
std::string folder_problem(const std::string& key, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto probe = fs::path(dir);
    if (!fs::is_directory(probe, ec)) {
        if (fs::exists(probe, ec)) return key + " " + dir + " is not a folder";
        probe = probe.parent_path().empty() ? fs::path(".") : probe.parent_path();
        if (!fs::is_directory(probe, ec))
            return key + " " + dir + " does not exist, nor does its parent folder";
    }
    auto name = (probe / ".ems-config-test-XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        return key + " " + probe.string() +
               " is not writable by this user: " + std::strerror(errno);
    ::close(fd);
    ::unlink(name.c_str());
    return {};
}

int test_config(const std::string& path) {
    std::vector<std::string> problems;
    const auto config = ems::Config::load(path, problems);
    if (problems.empty()) {  // with a config that parsed, the rest can be checked
        try {
            ems::db::Db db(ems::db_options(config));
            const int have = ems::schema::current_version(db), want = ems::schema::latest_version();
            if (have < want && !config.auto_migrate)
                problems.push_back("the database schema is at version " + std::to_string(have) +
                                   " of " + std::to_string(want) +
                                   " and auto_migrate is off: run ems-admin migrate-schema");
        } catch (const std::exception& e) {
            problems.push_back("database " + config.db_name + ": " + e.what());
        }
        for (const auto& [key, dir] : {std::pair{"storage_root", config.storage_root},
                                       {"uploads_dir", config.uploads_dir},
                                       {"outbox_dir", config.outbox_dir},
                                       {"log_dir", config.log_dir}})
            if (auto why = folder_problem(key, dir); !why.empty()) problems.push_back(why);
        try {
            ems::Views views(config.views_dir);
        } catch (const std::exception& e) {
            problems.push_back(std::string("views_dir: ") + e.what());
        }
        if (auto warning = config.base_url_warning(); !warning.empty())
            std::cerr << "ems-fcgi: warning: " << warning << "\n";
    }
    for (const auto& p : problems) std::cerr << "ems-fcgi: " << p << "\n";
    if (!problems.empty()) {
        std::cerr << "ems-fcgi: configuration " << (path.empty() ? "(defaults)" : path) << ": "
                  << problems.size() << " problem(s)\n";
        return 1;
    }
    std::cout << "ems-fcgi: configuration OK (" << (path.empty() ? "defaults" : path) << ")\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    bool test_only = false;
    for (int i = 1; i < argc; ++i) {
        if ((!std::strcmp(argv[i], "-c") || !std::strcmp(argv[i], "--config")) && i + 1 < argc) {
            config_path = argv[++i];
        } else if (!std::strcmp(argv[i], "-t") || !std::strcmp(argv[i], "--test")) {
            test_only = true;
        } else if (!std::strcmp(argv[i], "-v") || !std::strcmp(argv[i], "--version")) {
            std::cout << "ems-fcgi " << EMS_VERSION << "\n";
            return 0;
        } else {
            std::cerr << "usage: ems-fcgi [-t] [-c CONFIG_FILE] | --version\n";
            return 2;
        }
    }
    if (test_only) return test_config(config_path);
    try {
        auto config = ems::Config::load(config_path);
        // Before the fork: every worker's local time is the site's.
        if (!config.time_zone.empty()) ems::time::use_zone(config.time_zone);
        ems::log::open(config.log_dir, config.slowlog);
        ems::log::use_journald(config.log_target == "journald");
        if (auto warning = config.base_url_warning(); !warning.empty()) ems::log::warning(warning);
        prepare_database(config);
        // Fail here, once and clearly, rather than in every forked worker.
        ems::Views views(config.views_dir);
        // Before the fork: every worker shares this host's hash slots.
        ems::password::open_hash_slots(config.hash_concurrency, config.hash_wait_ms);
        const int rc = ems::run_pool(config_path, config);
        ems::password::close_hash_slots();
        return rc;
    } catch (const std::exception& e) {
        ems::password::close_hash_slots();
        std::cerr << "ems-fcgi: " << e.what() << "\n";
        ems::log::error(std::string("startup failed: ") + e.what());
        return 1;
    }
}
