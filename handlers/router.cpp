#include "handlers/router.hpp"

#include <stdexcept>

#include "core/text.hpp"

namespace ems {
namespace {

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    for (auto& s : split(path, '/'))
        if (!s.empty()) out.push_back(std::move(s));
    return out;
}

bool is_param(const std::string& seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool matches(const char* pattern, const std::vector<std::string>& segs,
             std::map<std::string, std::string>& params) {
    const auto pat = segments(pattern);
    if (pat.size() != segs.size()) return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < pat.size(); ++i) {
        const auto& p = pat[i];
        if (is_param(p)) {
            found[p.substr(1, p.size() - 2)] = segs[i];
        } else if (to_lower(p) != to_lower(segs[i])) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

std::string encode_segment(const std::string& s) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

// Each route's pattern split once, by name: url_for runs for every link
// of a page (three per participant row), so it must not scan the table.
const std::map<std::string, std::vector<std::string>, std::less<>>& patterns_by_name() {
    static const auto index = [] {
        std::map<std::string, std::vector<std::string>, std::less<>> by_name;
        for (const auto& r : routes()) by_name.emplace(r.name, segments(r.pattern));
        return by_name;
    }();
    return index;
}

}  // namespace

std::string url_segment(const std::string& s) {
    return encode_segment(s);
}

Match match_route(const std::vector<Route>& table, const std::string& method,
                  const std::string& path, bool test_routes) {
    Match m;
    const auto segs = segments(path);
    const std::string want = method == "HEAD" ? "GET" : method;
    for (const auto& r : table) {
        if (r.test_only && !test_routes) continue;
        std::map<std::string, std::string> params;
        if (!matches(r.pattern, segs, params) && !(r.alias && matches(r.alias, segs, params)))
            continue;
        if (want == r.method) {
            m.route = &r;
            m.params = std::move(params);
            return m;
        }
        if (m.allow.find(r.method) == std::string::npos)
            m.allow += (m.allow.empty() ? "" : ", ") + std::string(r.method);
    }
    return m;
}

std::string url_for(const std::string& name, const std::map<std::string, std::string>& params,
                    const Query& query) {
    const auto& index = patterns_by_name();
    const auto found = index.find(name);
    if (found == index.end()) throw std::logic_error("url_for: no route named " + name);
    std::string out;
    for (const auto& seg : found->second) {
        out += '/';
        if (is_param(seg)) {
            const auto it = params.find(seg.substr(1, seg.size() - 2));
            if (it == params.end()) throw std::logic_error("url_for(" + name + "): missing " + seg);
            out += encode_segment(it->second);
        } else {
            out += seg;
        }
    }
    if (out.empty()) out = "/";
    for (std::size_t i = 0; i < query.size(); ++i)
        out += (i ? "&" : "?") + encode_segment(query[i].first) + "=" +
               encode_segment(query[i].second);
    return out;
}

std::map<std::string, std::string> fixed_links() {
    std::map<std::string, std::string> links;
    for (const auto& r : routes())
        if (!r.test_only && std::string(r.pattern).find('{') == std::string::npos)
            links[r.name] = url_for(r.name);
    return links;
}

}  // namespace ems
