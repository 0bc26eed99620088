// What a worker holds for its lifetime (App) and what one request carries
// through the handlers (Ctx).
#pragma once
#include <json/json.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/errors.hpp"
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
struct Ctx;

// How a page answers a refusal (core/errors.hpp) thrown while it runs.
using RefusalAnswer = std::function<Response(Ctx&, const HttpError&)>;

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

    // What an HTML request answers if a refusal is thrown from here on
    // (core/errors.hpp); the last call wins, so a handler can narrow it as
    // it goes (an owner check redirects, then its form re-renders). The
    // JSON answer never depends on it.
    RefusalAnswer on_refusal;
    // The form re-rendered by `form` (which must capture by value: it runs
    // after the handler returned), with the error's message and fields, 422.
    void answer_refusals_with_form(RefusalAnswer form) { on_refusal = std::move(form); }
    // The error's message flashed, then 302 to `to`.
    void answer_refusals_with_redirect(const std::string& to);

    std::string param(const std::string& name) const;
    // A page model with the layout's common values (user, csrf, flash).
    Json::Value page(const std::string& title);
};

}  // namespace ems
