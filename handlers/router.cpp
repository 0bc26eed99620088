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

bool matches(const Route& r, const std::vector<std::string>& segs,
             std::map<std::string, std::string>& params) {
    const auto pat = segments(r.pattern);
    if (pat.size() != segs.size()) return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < pat.size(); ++i) {
        const auto& p = pat[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            found[p.substr(1, p.size() - 2)] = segs[i];
        } else if (to_lower(p) != to_lower(segs[i])) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

// Percent-encodes everything but RFC 3986 unreserved characters: form
// encoding's '+' for a space would mean a literal '+' in a path.
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

}  // namespace

Match match_route(const std::vector<Route>& table, const std::string& method,
                  const std::string& path, bool test_routes) {
    Match m;
    const auto segs = segments(path);
    const std::string want = method == "HEAD" ? "GET" : method;
    for (const auto& r : table) {
        if (r.test_only && !test_routes) continue;
        std::map<std::string, std::string> params;
        if (!matches(r, segs, params)) continue;
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

std::string url_for(const std::string& name, const std::map<std::string, std::string>& params) {
    for (const auto& r : routes()) {
        if (name != r.name) continue;
        std::string out;
        for (const auto& seg : segments(r.pattern)) {
            out += '/';
            if (seg.size() > 2 && seg.front() == '{') {
                const auto it = params.find(seg.substr(1, seg.size() - 2));
                if (it == params.end())
                    throw std::logic_error("url_for(" + name + "): missing " + seg);
                out += encode_segment(it->second);
            } else {
                out += seg;
            }
        }
        return out.empty() ? "/" : out;
    }
    throw std::logic_error("url_for: no route named " + name);
}

}  // namespace ems
