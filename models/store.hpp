// What the models need from the worker that runs them: the database
// connection, the files, the configuration and the type of the uid column.
// An interface rather than a struct of references because the worker opens
// each on first use and again after a failure: a write that lost its
// connection redoes its database part on a new one, and a request that needs
// only the database still works while storage is read-only. ConfigStore
// (config_store.hpp) implements it from the configuration, for ems-admin
// and tests; the worker's App is a ConfigStore with templates. Models never
// see App, HTTP or templates.
#pragma once
#include "core/config.hpp"
#include "models/db.hpp"
#include "models/schema.hpp"
#include "storage/file_storage.hpp"

namespace ems {

class Store {
  public:
    virtual ~Store() = default;
    virtual db::Db& db() = 0;
    virtual storage::FileStorage& files() = 0;
    virtual const Config& config() const = 0;
    virtual schema::UidKind uid_kind() = 0;
};

}  // namespace ems
