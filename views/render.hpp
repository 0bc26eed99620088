// The one place that knows the template library (kainjow mustache, which
// escapes & < > " ' by default). Handlers fill a Json::Value view model;
// templates never query.
#pragma once
#include <json/json.h>

#include <map>
#include <string>

namespace ems {

class Views {
public:
    // Reads every *.mustache under `dir` once: `layout`, the pages, and
    // partials named `_x.mustache` (used as {{>x}}).
    explicit Views(const std::string& dir);
    // Renders `page` inside the layout (the page is the `content` partial).
    std::string render(const std::string& page, const Json::Value& model) const;
    // Renders `page` alone, without the layout.
    std::string render_bare(const std::string& page, const Json::Value& model) const;
    bool has(const std::string& page) const { return templates_.count(page) > 0; }

private:
    const std::string& source(const std::string& name) const;
    std::map<std::string, std::string> templates_;
    std::map<std::string, std::string> partials_;
};

}  // namespace ems
