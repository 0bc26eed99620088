// The one place that knows the template library (kainjow mustache, which
// escapes & < > " ' by default). Handlers fill a Json::Value view model;
// templates never query.
#pragma once
#include <json/json.h>

#include <map>
#include <memory>
#include <string>

namespace kainjow::mustache {
template <typename StringType>
class basic_mustache;
using mustache = basic_mustache<std::string>;
}  // namespace kainjow::mustache

namespace ems {

class Views {
  public:
    // Reads every *.mustache under `dir` once: `layout`, the pages, and
    // partials named `_x.mustache` (used as {{>x}}).
    explicit Views(const std::string& dir);
    ~Views();
    // Renders `page` inside the layout (the page takes the place of {{>content}}).
    std::string render(const std::string& page, const Json::Value& model) const;
    // Renders `page` alone, without the layout.
    std::string render_bare(const std::string& page, const Json::Value& model) const;

  private:
    struct Compiled;
    const std::string& source(const std::string& name) const;
    // The page (inside the layout or alone) with its partials expanded,
    // parsed on first use and kept for the worker's lifetime.
    kainjow::mustache::mustache& compiled(const std::string& page, bool with_layout) const;
    std::unique_ptr<Compiled> compiled_;
    std::map<std::string, std::string> templates_;
    std::map<std::string, std::string> partials_;
};

}  // namespace ems
