#include "handlers/app.hpp"

#include <cgicc/CgiUtils.h>

#include "handlers/router.hpp"
#include "handlers/session.hpp"

namespace ems {

void Ctx::answer_refusals_with_redirect(const std::string& to) {
    on_refusal = [to](Ctx& ctx, const HttpError& e) {
        return flash_redirect(ctx, "error", e.what(), to);
    };
}

std::string Ctx::param(const std::string& name) const {
    const auto it = req.params.find(name);
    return it == req.params.end() ? std::string() : it->second;
}

pages::Layout Ctx::layout(const std::string& title) {
    pages::Layout l;
    l.title = title;
    l.csrf_token = ems::csrf_token(*this);
    if (user) l.user = pages::Layout::User{user->fname, user->fullname, user->uid};
    if (auto f = req.cookie(flash_cookie); f && !session_dirty) {
        const auto v = cgicc::form_urldecode(*f);
        const auto colon = v.find(':');
        const auto type = v.substr(0, colon);
        if (colon != std::string::npos && (type == "success" || type == "error"))
            l.flash = pages::Layout::Flash{type, v.substr(colon + 1)};
    }
    return l;
}

Json::Value Ctx::page(const std::string& title) {
    return pages::to_model(layout(title));
}

}  // namespace ems
