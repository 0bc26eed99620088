#include "views/render.hpp"

#include <kainjow/mustache.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ems {
namespace {

namespace mst = kainjow::mustache;

mst::data to_data(const Json::Value& v) {
    switch (v.type()) {
        case Json::nullValue: return mst::data(false);
        case Json::booleanValue: return mst::data(v.asBool());
        case Json::arrayValue: {
            mst::data list{mst::data::type::list};
            for (const auto& item : v) list.push_back(to_data(item));
            return list;
        }
        case Json::objectValue: {
            mst::data obj;
            for (const auto& key : v.getMemberNames()) obj.set(key, to_data(v[key]));
            return obj;
        }
        default: return mst::data(v.asString());
    }
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Views::Views(const std::string& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".mustache") continue;
        const auto name = e.path().stem().string();
        if (name.size() > 1 && name[0] == '_') partials_[name.substr(1)] = read_file(e.path());
        else templates_[name] = read_file(e.path());
    }
    if (!templates_.count("layout")) throw std::runtime_error("views: no layout.mustache in " + dir);
}

const std::string& Views::source(const std::string& name) const {
    const auto it = templates_.find(name);
    if (it == templates_.end()) throw std::runtime_error("views: no template " + name);
    return it->second;
}

std::string Views::render_bare(const std::string& page, const Json::Value& model) const {
    mst::mustache tmpl(source(page));
    if (!tmpl.is_valid()) throw std::runtime_error("views: " + page + ": " + tmpl.error_message());
    mst::data data = to_data(model);
    for (const auto& [name, text] : partials_) {
        const std::string* t = &text;
        data.set(name, mst::partial([t] { return *t; }));
    }
    auto out = tmpl.render(data);
    if (!tmpl.is_valid()) throw std::runtime_error("views: " + page + ": " + tmpl.error_message());
    return out;
}

std::string Views::render(const std::string& page, const Json::Value& model) const {
    Json::Value m = model;
    (void)source(page);
    mst::mustache tmpl(source("layout"));
    mst::data data = to_data(m);
    for (const auto& [name, text] : partials_) {
        const std::string* t = &text;
        data.set(name, mst::partial([t] { return *t; }));
    }
    const std::string* body = &source(page);
    data.set("content", mst::partial([body] { return *body; }));
    auto out = tmpl.render(data);
    if (!tmpl.is_valid()) throw std::runtime_error("views: " + page + ": " + tmpl.error_message());
    return out;
}

}  // namespace ems
