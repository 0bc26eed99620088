#include "handlers/app.hpp"

#include <cgicc/CgiUtils.h>

#include "handlers/session.hpp"

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

App::App(Config config) : config_(std::move(config)) {
    views_ = std::make_unique<Views>(config_.views_dir);
}

storage::FileStorage& App::files() {
    if (!files_) {
        storage::StorageOptions so;
        so.root = config_.storage_root;
        files_ = std::make_unique<storage::FileStorage>(so);
    }
    return *files_;
}

db::Db& App::db() {
    if (!db_) db_ = std::make_unique<db::Db>(db_options(config_));
    return *db_;
}

schema::UidKind App::uid_kind() {
    if (!uid_kind_) uid_kind_ = schema::detect_uid_kind(db());
    return *uid_kind_;
}

void Ctx::answer_refusals_with_redirect(const std::string& to) {
    on_refusal = [to](Ctx& ctx, const HttpError& e) {
        return flash_redirect(ctx, "error", e.what(), to);
    };
}

std::string Ctx::param(const std::string& name) const {
    const auto it = req.params.find(name);
    return it == req.params.end() ? std::string() : it->second;
}

Json::Value Ctx::page(const std::string& title) {
    Json::Value m(Json::objectValue);
    m["title"] = title;
    m["csrf_token"] = ems::csrf_token(*this);
    if (user) {
        m["user"]["fname"] = user->fname;
        m["user"]["fullname"] = user->fullname;
        m["user"]["uid"] = user->uid;
    }
    if (auto f = req.cookie(flash_cookie); f && !session_dirty) {
        const auto v = cgicc::form_urldecode(*f);
        const auto colon = v.find(':');
        const auto type = v.substr(0, colon);
        if (colon != std::string::npos && (type == "success" || type == "error")) {
            m["flash"]["type"] = type;
            m["flash"]["message"] = v.substr(colon + 1);
            m["flash"]["is_error"] = type == "error";
        }
    }
    return m;
}

}  // namespace ems
