// Every link in views/*.mustache comes from a route name: {{url.NAME}}
// names a route without parameters, and no template pastes a path.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "handlers/router.hpp"
#include "views/render.hpp"

namespace {

std::map<std::string, std::string> templates() {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator("views")) {
        if (e.path().extension() != ".mustache") continue;
        std::ifstream in(e.path());
        std::ostringstream ss;
        ss << in.rdbuf();
        out[e.path().filename().string()] = ss.str();
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(template_links)

BOOST_AUTO_TEST_CASE(every_url_name_in_a_template_is_a_route) {
    const auto links = ems::fixed_links();
    const std::regex url_tag(R"(\{\{\s*url\.([A-Za-z0-9_]+)\s*\}\})");
    std::size_t seen = 0;
    for (const auto& [file, text] : templates()) {
        for (std::sregex_iterator it(text.begin(), text.end(), url_tag), end; it != end; ++it) {
            ++seen;
            BOOST_TEST(links.count((*it)[1].str()) == 1u, file << ": no route " << (*it)[1].str());
        }
    }
    BOOST_TEST(seen >= 20u);
}

BOOST_AUTO_TEST_CASE(no_template_pastes_a_route_path) {
    // Static files (nginx serves them, no route) and in-page anchors are not routes.
    const std::regex pasted(R"((href|action|src)\s*=\s*"/(?!static/)[^"]*")");
    for (const auto& [file, text] : templates()) {
        std::smatch m;
        const bool found = std::regex_search(text, m, pasted);
        BOOST_TEST(!found, file << ": " << (found ? m.str() : ""));
    }
}

BOOST_AUTO_TEST_CASE(the_layout_links_come_from_the_route_table) {
    ems::Views views("views", ems::fixed_links());
    Json::Value m;
    m["title"] = "T";
    m["user"]["fname"] = "Ann";
    const auto in = views.render("error", m);
    for (const char* path : {"href=\"/dashboard/badges\"", "action=\"/auth/logout\"",
                             "href=\"/events/create\"", "href=\"/\""})
        BOOST_TEST(in.find(path) != std::string::npos, path);
    const auto out = views.render("error", Json::Value(Json::objectValue));
    BOOST_TEST(out.find("href=\"/auth/register\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
