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
#include "handlers/router.hpp"
#include "models/config_store.hpp"
#include "models/user.hpp"
#include "views/render.hpp"

namespace ems {

// The worker's Store (database, files, config: models see only that) and
// its templates, which only the worker needs: it renders the pages.
class App : public ConfigStore {
  public:
    // Parses every template (a broken one stops the worker's start); needs
    // neither the database nor a writable storage, which open on first use.
    explicit App(Config config)
        : ConfigStore(config),
          views_(config.views_dir, fixed_links(),
                 {config.site_name, config.site_logo_url, config.privacy_url, config.imprint_url,
                  config.time_zone}) {}
    const Views& views() const { return views_; }

  private:
    Views views_;
};

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
    // The layout's common values (user, csrf, flash) for a typed page.
    pages::Layout layout(const std::string& title);
    // The same as the start of an untyped page model.
    Json::Value page(const std::string& title);
};

}  // namespace ems
