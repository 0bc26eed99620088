#include "handlers/app.hpp"

#include <cgicc/CgiUtils.h>

#include "handlers/session.hpp"

namespace ems {

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
