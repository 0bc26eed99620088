// The model-test fixture (like Wt's DboFixture): a fresh private database
// on the test stack's MariaDB for each test case, with the schema applied the
// way ems-fcgi applies it (schema::migrate), a private storage root, and a
// Store over both. Dropped again afterwards.
//
// The server comes from the environment scripts/test.sh exports from the
// stack's stack.env: DB_SOCKET (or 127.0.0.1:DB_PORT), DB_USER, DB_PASSWORD.
// stack.sh grants its `ems` user every `ems\_%` database.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/config.hpp"
#include "models/db.hpp"
#include "models/schema.hpp"
#include "models/store.hpp"
#include "models/user.hpp"
#include "storage/file_storage.hpp"
#include "tests/unit/temp_root.hpp"

namespace ems::test {

inline std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

inline db::Options server_options(const std::string& database) {
    db::Options o;
    o.socket = env_or("DB_SOCKET", "");
    o.port = static_cast<unsigned>(std::stoul(env_or("DB_PORT", "3306")));
    o.user = env_or("DB_USER", "ems");
    o.password = env_or("DB_PASSWORD", "");
    o.database = database;
    o.connect_timeout = 5;
    o.lock_wait_timeout = 5;
    return o;
}

class ModelFixture : public Store {
  public:
    ModelFixture() : name_(next_name()) {
        admin_ = std::make_unique<db::Db>(server_options(""));
        admin_->exec_plain("CREATE DATABASE `" + name_ +
                           "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
        db_ = std::make_unique<db::Db>(server_options(name_));
        schema::migrate(*db_);
        config_.storage_root = root_.path("storage").string();
        config_.password_cost = 4;
        files_ =
            std::make_unique<storage::FileStorage>(storage::StorageOptions(root_.path("storage")));
    }
    ~ModelFixture() override {
        files_.reset();
        db_.reset();
        try {
            admin_->exec_plain("DROP DATABASE IF EXISTS `" + name_ + "`");
        } catch (...) {
        }
    }
    ModelFixture(const ModelFixture&) = delete;
    ModelFixture& operator=(const ModelFixture&) = delete;

    db::Db& db() override { return *db_; }
    storage::FileStorage& files() override { return *files_; }
    const Config& config() const override { return config_; }
    schema::UidKind uid_kind() override { return schema::detect_uid_kind(*db_); }

    const std::string& database() const { return name_; }
    const TempRoot& root() const { return root_; }

  private:
    static std::string next_name() {
        static int n = 0;
        return "ems_model_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    }

    std::string name_;
    TempRoot root_;
    Config config_;
    std::unique_ptr<db::Db> admin_, db_;
    std::unique_ptr<storage::FileStorage> files_;
};

}  // namespace ems::test
