#include "models/config_store.hpp"

namespace ems {

db::Options db_options(const Config& c) {
    db::Options o;
    o.host = c.db_host;
    o.port = static_cast<unsigned>(c.db_port);
    o.socket = c.db_socket;
    o.user = c.db_user;
    o.password = c.db_password;
    o.database = c.db_name;
    o.connect_timeout = static_cast<unsigned>(c.db_connect_timeout);
    o.read_timeout = static_cast<unsigned>(c.db_read_timeout);
    o.write_timeout = static_cast<unsigned>(c.db_write_timeout);
    o.lock_wait_timeout = static_cast<unsigned>(c.db_lock_wait_timeout);
    return o;
}

ConfigStore::ConfigStore(Config config) : config_(std::move(config)) {}

db::Db& ConfigStore::db() {
    if (!db_) db_ = std::make_unique<db::Db>(db_options(config_));
    return *db_;
}

storage::FileStorage& ConfigStore::files() {
    if (!files_) {
        storage::StorageOptions so;
        so.root = config_.storage_root;
        files_ = std::make_unique<storage::FileStorage>(so);
    }
    return *files_;
}

schema::UidKind ConfigStore::uid_kind() {
    if (!uid_kind_) uid_kind_ = schema::detect_uid_kind(db());
    return *uid_kind_;
}

}  // namespace ems
