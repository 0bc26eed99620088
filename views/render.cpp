#include "views/render.hpp"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <stdexcept>

#include "core/pool_state.hpp"

namespace ems {
namespace {

namespace mst = kainjow::mustache;

// Builds the template data in place: kainjow's set() and push_back() copy
// their argument (deeply), which made the conversion cost grow with the
// nesting depth; operator[] and the list's storage take moves instead.
mst::data to_data(const Json::Value& v) {
    switch (v.type()) {
        case Json::nullValue:
            return mst::data(false);
        case Json::booleanValue:
            return mst::data(v.asBool());
        case Json::arrayValue: {
            mst::data list{mst::data::type::list};
            // list_value() is the data's own, non-const vector; kainjow just
            // offers no mutable accessor for it.
            auto& items = const_cast<mst::basic_list<std::string>&>(list.list_value());
            items.reserve(v.size());
            for (const auto& item : v) items.emplace_back(to_data(item));
            return list;
        }
        case Json::objectValue: {
            mst::data obj{mst::data::type::object};
            for (auto it = v.begin(); it != v.end(); ++it) obj[it.name()] = to_data(*it);
            return obj;
        }
        default:
            return mst::data(v.asString());
    }
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Replaces every {{>name}} by the partial's text, recursively. Inline
// expansion renders the same as a partial lookup (same context stack) and
// lets each page be parsed once per worker instead of once per use.
std::string expand(const std::string& text, const std::map<std::string, std::string>& partials,
                   int depth = 0) {
    if (depth > 8) throw std::runtime_error("views: partials nested too deeply");
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        const auto open = text.find("{{>", pos);
        if (open == std::string::npos) break;
        const auto close = text.find("}}", open);
        if (close == std::string::npos) break;
        std::string name = text.substr(open + 3, close - open - 3);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        const auto it = partials.find(name);
        if (it == partials.end()) throw std::runtime_error("views: no partial " + name);
        out += text.substr(pos, open - pos);
        out += expand(it->second, partials, depth + 1);
        pos = close + 2;
    }
    return out + text.substr(pos);
}

}  // namespace

struct Views::Compiled {
    std::map<std::string, std::unique_ptr<mst::mustache>> by_key;
    // {"url": {name: path}}, the bottom of every render's context stack:
    // looked up only when the model has no such name, never copied.
    mst::data globals{mst::data::type::object};
};

Views::Views(const std::string& dir, const std::map<std::string, std::string>& links)
    : compiled_(std::make_unique<Compiled>()) {
    mst::data url{mst::data::type::object};
    for (const auto& [name, path] : links) url[name] = mst::data(path);
    compiled_->globals["url"] = std::move(url);
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".mustache") continue;
        const auto name = e.path().stem().string();
        if (name.size() > 1 && name[0] == '_')
            partials_[name.substr(1)] = read_file(e.path());
        else
            templates_[name] = read_file(e.path());
    }
    if (!templates_.count("layout"))
        throw std::runtime_error("views: no layout.mustache in " + dir);
    // Parse every page now: a template error stops the start, not a request.
    // (render_bare's layout-less variants are parsed on first use.)
    for (const auto& [name, text] : templates_) {
        if (name == "layout") continue;
        compiled(name, true);
    }
}

Views::~Views() = default;

const std::string& Views::source(const std::string& name) const {
    const auto it = templates_.find(name);
    if (it == templates_.end()) throw std::runtime_error("views: no template " + name);
    return it->second;
}

kainjow::mustache::mustache& Views::compiled(const std::string& page, bool with_layout) const {
    const auto key = (with_layout ? "L:" : "B:") + page;
    auto& slot = compiled_->by_key[key];
    if (!slot) {
        auto partials = partials_;
        partials["content"] = source(page);
        const auto text = expand(with_layout ? source("layout") : source(page), partials);
        slot = std::make_unique<mst::mustache>(text);
        if (!slot->is_valid()) {
            const auto error = slot->error_message();
            compiled_->by_key.erase(key);
            throw std::runtime_error("views: " + page + ": " + error);
        }
    }
    return *slot;
}

std::string Views::render_with_globals(mst::mustache& t, const Json::Value& model) const {
    const pool_state::Scope timed(pool_state::Phase::render);
    const auto data = to_data(model);
    mst::context<std::string> ctx{&compiled_->globals};
    ctx.push(&data);
    return t.render(ctx);
}

std::string Views::render_bare(const std::string& page, const Json::Value& model) const {
    return render_with_globals(compiled(page, false), model);
}

std::string Views::render(const std::string& page, const Json::Value& model) const {
    return render_with_globals(compiled(page, true), model);
}

std::string Views::render(const pages::Login& p) const {
    return render("login", pages::to_model(p));
}
std::string Views::render(const pages::Dashboard& p) const {
    return render("dashboard", pages::to_model(p));
}
std::string Views::render(const pages::Badges& p) const {
    return render("badges", pages::to_model(p));
}
std::string Views::render(const pages::EventManage& p) const {
    return render("event_manage", pages::to_model(p));
}

}  // namespace ems
