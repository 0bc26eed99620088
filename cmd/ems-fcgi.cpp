// ems-fcgi: the FastCGI pool. Usage: ems-fcgi -c FILE
// Applies the schema migrations, then runs the master and its workers.
#include <cstring>
#include <iostream>

#include "core/config.hpp"
#include "core/log.hpp"
#include "fcgi/pool.hpp"
#include "models/config_store.hpp"
#include "models/password.hpp"
#include "models/schema.hpp"
#include "views/render.hpp"

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

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        if ((!std::strcmp(argv[i], "-c") || !std::strcmp(argv[i], "--config")) && i + 1 < argc) {
            config_path = argv[++i];
        } else {
            std::cerr << "usage: ems-fcgi [-c CONFIG_FILE]\n";
            return 2;
        }
    }
    try {
        auto config = ems::Config::load(config_path);
        ems::log::open(config.log_dir);
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
