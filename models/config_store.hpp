// The Store a process builds from its configuration: the database
// connection and the storage, each opened on first use and again after a
// failed opening, and the uid column's type, read once. The worker's App
// adds the templates to it; ems-admin and tests of the models use it as
// it is, with no templates and no HTTP.
#pragma once
#include <memory>
#include <optional>

#include "core/config.hpp"
#include "models/db.hpp"
#include "models/schema.hpp"
#include "models/store.hpp"
#include "storage/file_storage.hpp"

namespace ems {

db::Options db_options(const Config& c);

class ConfigStore : public Store {
  public:
    // Needs neither the database nor a writable storage: either may be
    // down, and only what uses it fails (a worker answers 503 meanwhile).
    explicit ConfigStore(Config config);
    const Config& config() const override { return config_; }
    db::Db& db() override;
    // A read-only or full storage throws storage::StorageError.
    storage::FileStorage& files() override;
    schema::UidKind uid_kind() override;

  private:
    Config config_;
    std::unique_ptr<db::Db> db_;
    std::unique_ptr<storage::FileStorage> files_;
    std::optional<schema::UidKind> uid_kind_;
};

}  // namespace ems
