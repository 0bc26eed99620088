// What a worker holds for its lifetime (App) and what one request carries
// through the handlers (Ctx).
#pragma once
#include <json/json.h>

#include <memory>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "handlers/request.hpp"
#include "handlers/response.hpp"
#include "models/db.hpp"
#include "models/schema.hpp"
#include "models/store.hpp"
#include "models/user.hpp"
#include "storage/file_storage.hpp"
#include "views/render.hpp"

namespace ems {

// The models see it as a Store (models/store.hpp): database, files, config.
class App : public Store {
  public:
    // Needs neither the database nor a writable storage: a worker starts
    // and answers (503 where it must) while either is down.
    explicit App(Config config);
    const Config& config() const override { return config_; }
    // The worker's connection, opened on first use (and after a failure).
    db::Db& db() override;
    // Opened on first use, and again after a failed opening (a read-only or
    // full storage throws storage::StorageError, answered 503).
    storage::FileStorage& files() override;
    const Views& views() const { return *views_; }
    schema::UidKind uid_kind() override;

  private:
    Config config_;
    std::unique_ptr<db::Db> db_;
    std::unique_ptr<storage::FileStorage> files_;
    std::unique_ptr<Views> views_;
    std::optional<schema::UidKind> uid_kind_;
};

db::Options db_options(const Config& c);

struct Route;

// One request's context, passed by reference to every handler.
struct Ctx {
    Ctx(Request& r, App& a) : req(r), app(a) {}
    Request& req;
    App& app;
    const Route* route = nullptr;
    std::string session_id;    // empty: no session (anonymous reader)
    std::string csrf_token;    // the session's token, once a session exists
    std::optional<User> user;  // the signed-in user
    std::string auth_via;      // "session" or "token"
    Json::Value flash;         // set for the next page (type, message)
    bool session_dirty = false;
    Response res;  // headers (cookies) added by session code

    std::string param(const std::string& name) const;
    // The layout's common values (user, csrf, flash) for a typed page.
    pages::Layout layout(const std::string& title);
    // The same as the start of an untyped page model.
    Json::Value page(const std::string& title);
};

}  // namespace ems
