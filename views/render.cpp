#include "views/render.hpp"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <stdexcept>

#include "core/pool_state.hpp"
#include "core/text.hpp"

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

// A page's text cut around one {{#name}}...{{/name}} section. A tag alone
// on its line takes the line with it, as kainjow drops such a line.
struct Cut {
    std::string before, inner, after;
};

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t") == std::string_view::npos;
}

// [from, to) of the tag at `at`, widened to its whole line when it stands alone.
std::pair<std::size_t, std::size_t> tag_span(const std::string& text, std::size_t at,
                                             std::size_t len) {
    const auto nl_before = text.rfind('\n', at);
    const std::size_t line = nl_before == std::string::npos ? 0 : nl_before + 1;
    const auto nl_after = text.find('\n', at + len);
    const std::size_t end = nl_after == std::string::npos ? text.size() : nl_after;
    std::string_view before(text.data() + line, at - line);
    std::string_view after(text.data() + at + len, end - at - len);
    if (!after.empty() && after.back() == '\r') after.remove_suffix(1);
    if (blank(before) && blank(after))
        return {line, nl_after == std::string::npos ? text.size() : nl_after + 1};
    return {at, at + len};
}

Cut cut_section(const std::string& text, const std::string& name) {
    const auto open_tag = "{{#" + name + "}}", close_tag = "{{/" + name + "}}";
    const auto open = text.find(open_tag);
    const auto close = open == std::string::npos ? open : text.find(close_tag, open);
    if (close == std::string::npos || text.find(open_tag, open + 1) != std::string::npos)
        throw std::runtime_error("views: the page needs one " + open_tag + "..." + close_tag);
    const auto [o_from, o_to] = tag_span(text, open, open_tag.size());
    const auto [c_from, c_to] = tag_span(text, close, close_tag.size());
    return {text.substr(0, o_from), text.substr(o_to, c_from - o_to), text.substr(c_to)};
}

// Rows that exercise the row template: both sections, every escaped character.
pages::EventManage sample_manage_page() {
    pages::EventManage p;
    p.layout.title = "Manage Event";
    p.layout.csrf_token = "t<&>";
    p.layout.user = pages::Layout::User{"A", "A B", "1"};
    p.event.name = "E";
    p.total = 3;
    p.pending_count = 1;
    p.participants = {{"Ann <b>&amp;", "a'\"@x", "2024-01-01 10:00:00", "pending", true, "/a?x=1&y",
                       "/d", "", "1 Jan 2024, 10:00", "Waiting <for> 'approval'", "warn&"},
                      {"Bob", "b@x", "", "approved", false, "", "", "/r", "", "Registered", "ok"},
                      {"", "", "", "", false, "", "", "", "", "", ""}};
    return p;
}

}  // namespace

struct Views::Compiled {
    std::map<std::string, std::unique_ptr<mst::mustache>> by_key;
    // {"url": {name: path}, "site": {...}}, the bottom of every render's context stack:
    // looked up only when the model has no such name, never copied.
    mst::data globals{mst::data::type::object};
    // The manage page with its participant rows replaced by `marker`, and
    // the rows' own template (render_streamed).
    std::unique_ptr<mst::mustache> manage_cut;
    std::unique_ptr<RowTemplate> manage_row;
    std::string marker;
    // The dashboard with its created-event rows replaced by `marker`, and
    // those rows' own template (render(Dashboard)): an organizer's 200 rows
    // without template data per row.
    std::unique_ptr<mst::mustache> dashboard_cut;
    std::unique_ptr<RowTemplate> dashboard_row;
};

Views::Views(const std::string& dir, const std::map<std::string, std::string>& links,
             const pages::Site& site)
    : compiled_(std::make_unique<Compiled>()) {
    mst::data url{mst::data::type::object};
    for (const auto& [name, path] : links) url[name] = mst::data(path);
    compiled_->globals["url"] = std::move(url);
    // An unset link is absent (false), so that {{#site.x}} skips it.
    mst::data s{mst::data::type::object};
    s["name"] = mst::data(site.name);
    for (const auto& [name, value] : {std::pair{"logo_url", &site.logo_url},
                                      {"privacy_url", &site.privacy_url},
                                      {"imprint_url", &site.imprint_url},
                                      {"time_zone", &site.time_zone}})
        s[name] = value->empty() ? mst::data(false) : mst::data(*value);
    s["has_links"] = mst::data(!site.privacy_url.empty() || !site.imprint_url.empty());
    compiled_->globals["site"] = std::move(s);
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
    // A marker no value can hold: the template's text, with a per-process nonce.
    compiled_->marker =
        "\x01"
        "ems-rows-" +
        random_hex(8) + "\x01";
    if (templates_.count("event_manage")) prepare_streamed_manage();
    if (templates_.count("dashboard")) prepare_dashboard();
}

namespace {

// The names a created-event row of the dashboard may use, and its values
// in that order.
const RowTemplate::Names& created_row_names() {
    static const RowTemplate::Names names{
        "dashboard: created event row",
        {"id", "name", "startdate", "enddate", "start_display", "end_display", "location",
         "shortinfo", "participantcount", "edit_url", "manage_url", "delete_url", "csrf_token"},
        {},
        {"csrf_token"}};
    return names;
}

void created_row_values(const pages::CreatedEvent& c, const std::string& count,
                        std::string_view csrf, std::vector<std::string_view>& v) {
    const auto& e = c.event;
    v.assign({e.id, e.name, e.startdate, e.enddate, e.start_display, e.end_display, e.location,
              e.shortinfo, count, c.edit_url, c.manage_url, c.delete_url, csrf});
}

// Rows that exercise the created-row template: every escaped character.
pages::Dashboard sample_dashboard() {
    pages::Dashboard p;
    p.layout.title = "Dashboard";
    p.layout.csrf_token = "t<&>";
    p.layout.user = pages::Layout::User{"A", "A B", "1"};
    p.fullname = "A <b>";
    pages::Event e{"7",
                   "Ann <b>&amp;",
                   "2030-01-01 10:00:00",
                   "2030-01-02 10:00:00",
                   "1 Jan 2030",
                   "2 Jan 2030",
                   "a'\"@x",
                   "<i>",
                   12};
    p.created = {{e, "/e?x=1&y", "/m", "/d"}, {pages::Event{}, "", "", ""}};
    p.participants = 12;
    return p;
}

}  // namespace

// `page` in the layout with its `section` replaced by the marker, parsed;
// the section's own text in *inner.
std::unique_ptr<mst::mustache> Views::cut_page(const std::string& page, const std::string& section,
                                               std::string* inner) const {
    auto partials = partials_;
    partials["content"] = source(page);
    auto cut = cut_section(expand(source("layout"), partials), section);
    auto t = std::make_unique<mst::mustache>(cut.before + compiled_->marker + cut.after);
    if (!t->is_valid()) throw std::runtime_error("views: " + page + ": " + t->error_message());
    *inner = std::move(cut.inner);
    return t;
}

void Views::prepare_dashboard() {
    auto& c = *compiled_;
    std::string inner;
    c.dashboard_cut = cut_page("dashboard", "created", &inner);
    c.dashboard_row = std::make_unique<RowTemplate>(inner, created_row_names());
    // As for the manage page: the fast render must be the template's.
    const auto p = sample_dashboard();
    if (render(p) != render("dashboard", pages::to_model(p)))
        throw std::runtime_error(
            "views: dashboard: the created-event rows differ from the template's render; keep "
            "{{#created}} and {{/created}} each on a line of its own");
}

void Views::prepare_streamed_manage() {
    auto& c = *compiled_;
    std::string inner;
    c.manage_cut = cut_page("event_manage", "participants", &inner);
    try {
        c.manage_row = std::make_unique<RowTemplate>(inner);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("views: event_manage: " + std::string(e.what()));
    }
    // The streamed page must be the page: checked once here, on rows that
    // use every field and both sections, so an edit of the template that
    // breaks the equality stops the start instead of changing the page.
    const auto p = sample_manage_page();
    const auto s = render_streamed(p);
    std::string streamed = s.head;
    for (const auto& r : p.participants) s.row(pages::row_view(r), streamed);
    streamed += s.foot;
    if (streamed != render(p))
        throw std::runtime_error(
            "views: event_manage: the streamed participant rows differ from the template's "
            "render; keep {{#participants}} and {{/participants}} each on a line of its own");
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
    const auto& c = *compiled_;
    if (!c.dashboard_cut || p.created.empty()) return render("dashboard", pages::to_model(p));
    std::string page = render_with_globals(*c.dashboard_cut, pages::to_model(p, false));
    const auto at = page.find(c.marker);
    if (at == std::string::npos || page.find(c.marker, at + 1) != std::string::npos)
        throw std::runtime_error("views: dashboard: the row marker is not there once");
    std::string out = page.substr(0, at);
    std::string csrf, count;
    append_escaped(csrf, p.layout.csrf_token);
    std::vector<std::string_view> values;
    const std::vector<bool> no_flags;
    for (const auto& row : p.created) {
        count = std::to_string(row.event.participantcount);
        created_row_values(row, count, csrf, values);
        c.dashboard_row->render(values, no_flags, out);
    }
    out.append(page, at + c.marker.size());
    return out;
}
std::string Views::render(const pages::Badges& p) const {
    return render("badges", pages::to_model(p));
}
std::string Views::render(const pages::EventManage& p) const {
    return render("event_manage", pages::to_model(p));
}

StreamedManage Views::render_streamed(const pages::EventManage& p) const {
    const auto& c = *compiled_;
    if (!c.manage_cut) throw std::runtime_error("views: no event_manage template");
    auto model = pages::to_model(p);
    model["participants"] = Json::Value(Json::arrayValue);
    const auto page = render_with_globals(*c.manage_cut, model);
    const auto at = page.find(c.marker);
    if (at == std::string::npos || page.find(c.marker, at + 1) != std::string::npos)
        throw std::runtime_error("views: event_manage: the row marker is not there once");
    StreamedManage s;
    s.head = page.substr(0, at);
    s.foot = page.substr(at + c.marker.size());
    append_escaped(s.csrf_token, p.layout.csrf_token);
    s.rows = c.manage_row.get();
    return s;
}

}  // namespace ems
