// The one place that knows the template library (kainjow mustache, which
// escapes & < > " ' by default). Handlers fill a view model (a typed one
// from views/pages.hpp, or a Json::Value); templates never query.
#pragma once
#include <json/json.h>

#include <map>
#include <memory>
#include <string>

#include "views/pages.hpp"
#include "views/row_template.hpp"

namespace kainjow::mustache {
template <typename StringType>
class basic_mustache;
using mustache = basic_mustache<std::string>;
}  // namespace kainjow::mustache

namespace ems {

// The manage page cut around its participant rows, for streaming: head
// and foot rendered by the template, the rows by `row` one at a time.
struct StreamedManage {
    std::string head, foot;
    std::string csrf_token;  // escaped
    const RowTemplate* rows = nullptr;
    void row(const pages::ParticipantRow& r, std::string& out) const {
        rows->render(r, csrf_token, out);
    }
};

class Views {
  public:
    // Reads every *.mustache under `dir` once: `layout`, the pages, and
    // partials named `_x.mustache` (used as {{>x}}). `links` (route name to
    // path) is what every template sees as {{url.NAME}}, beneath the model.
    // `site` is what every template sees as {{site.NAME}}, beneath the model too.
    explicit Views(const std::string& dir, const std::map<std::string, std::string>& links = {},
                   const pages::Site& site = {});
    ~Views();
    // Renders `page` inside the layout (the page takes the place of {{>content}}).
    std::string render(const std::string& page, const Json::Value& model) const;
    // The typed pages, each with its template.
    std::string render(const pages::Login& p) const;
    std::string render(const pages::Dashboard& p) const;
    std::string render(const pages::Badges& p) const;
    std::string render(const pages::EventManage& p) const;
    // The same page as head, rows and foot, for p.total > 0 (an empty list
    // shows no table to put rows in): p.participants is ignored; the
    // rows are rendered by the caller through StreamedManage::row.
    // head + every row + foot is byte for byte render(p) with those rows.
    StreamedManage render_streamed(const pages::EventManage& p) const;
    // Renders `page` alone, without the layout.
    std::string render_bare(const std::string& page, const Json::Value& model) const;

  private:
    struct Compiled;
    void prepare_streamed_manage();
    void prepare_dashboard();
    std::unique_ptr<kainjow::mustache::mustache> cut_page(const std::string& page,
                                                          const std::string& section,
                                                          std::string* inner) const;
    const std::string& source(const std::string& name) const;
    // The page (inside the layout or alone) with its partials expanded,
    // parsed on first use and kept for the worker's lifetime.
    kainjow::mustache::mustache& compiled(const std::string& page, bool with_layout) const;
    std::string render_with_globals(kainjow::mustache::mustache& t, const Json::Value& model) const;
    std::unique_ptr<Compiled> compiled_;
    std::map<std::string, std::string> templates_;
    std::map<std::string, std::string> partials_;
};

}  // namespace ems
