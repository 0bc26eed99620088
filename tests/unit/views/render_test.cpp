// Templates: escaped by default everywhere (the nav included), partials
// expanded, the layout's title format.
#define BOOST_TEST_DYN_LINK
#include "views/render.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

ems::pages::EventManage manage_page(std::size_t rows) {
    ems::pages::EventManage p;
    p.layout.title = "Manage Event";
    p.layout.csrf_token = "c\"s<r>f";
    p.layout.user = ems::pages::Layout::User{"Org", "Org <Anizer>", "7"};
    p.layout.flash = ems::pages::Layout::Flash{"success", "Done & dusted"};
    p.event.name = "Launch <party>";
    p.event.location = "Hall 'A'";
    p.key = "ABCDEF012345";
    p.max_participants = "No limit";
    for (std::size_t i = 0; i < rows; ++i) {
        const bool pending = i % 3 == 0;
        const auto n = std::to_string(i);
        p.participants.push_back(
            {"Name " + n + " <&> 'x' \"y\"", "p" + n + "@example.org", "2024-01-01 10:00:00",
             pending ? "pending" : "registered", pending,
             pending ? "/events/manage/1/participants/" + n + "/approve" : "",
             pending ? "/events/manage/1/participants/" + n + "/decline" : "",
             pending ? "" : "/events/manage/1/participants/" + n + "/remove", "1 Jan 2024, 10:00",
             pending ? "Waiting for approval" : "Registered", pending ? "warn" : "ok"});
        if (pending) ++p.pending_count;
    }
    p.total = rows;
    return p;
}

std::string streamed(const ems::Views& views, const ems::pages::EventManage& p) {
    const auto s = views.render_streamed(p);
    std::string out = s.head;
    for (const auto& r : p.participants) s.row(ems::pages::row_view(r), out);
    return out + s.foot;
}

// A copy of views/ with event_manage.mustache replaced.
std::string views_with_manage(const std::string& manage) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ems-views-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(std::hash<std::string>{}(manage)));
    std::filesystem::create_directories(dir);
    for (const auto& e : std::filesystem::directory_iterator("views"))
        if (e.path().extension() == ".mustache")
            std::filesystem::copy_file(e.path(), dir / e.path().filename(),
                                       std::filesystem::copy_options::overwrite_existing);
    std::ofstream(dir / "event_manage.mustache") << manage;
    return dir.string();
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(layout_title_and_escaped_user_name_in_the_nav) {
    ems::Views views("views");
    Json::Value m;
    m["title"] = "Login";
    m["csrf_token"] = "tok";
    m["user"]["fname"] = "Max <b>&</b> \"q\" 'a'";
    const auto html = views.render("login", m);
    BOOST_TEST(html.find("<title>Login - Event Management System</title>") != std::string::npos);
    BOOST_TEST(html.find("<b>&</b>") == std::string::npos);
    BOOST_TEST(html.find("Max &lt;b&gt;&amp;&lt;/b&gt; &quot;q&quot; &apos;a&apos;") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(field_partials_are_expanded_with_their_own_values) {
    ems::Views views("views");
    Json::Value m;
    m["title"] = "Login";
    Json::Value f;
    f["name"] = "email";
    f["label"] = "Email";
    f["type"] = "email";
    f["value"] = "\"><script>x</script>";
    f["error"] = "Bad <i>";
    m["fields"].append(f);
    const auto html = views.render_bare("login", m);
    BOOST_TEST(html.find("<script>x</script>") == std::string::npos);
    BOOST_TEST(html.find("aria-describedby=\"email-error\"") != std::string::npos);
    BOOST_TEST(html.find("Bad &lt;i&gt;") != std::string::npos);
    BOOST_TEST(html.find("<html") == std::string::npos, "render_bare leaves out the layout");
}

BOOST_AUTO_TEST_CASE(unknown_pages_throw) {
    ems::Views views("views");
    BOOST_CHECK_THROW(views.render("no_such_page", Json::Value()), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(streamed_manage_page_is_the_buffered_page_byte_for_byte) {
    ems::Views views("views");
    for (const std::size_t rows : {1, 2, 3, 250}) {
        const auto p = manage_page(rows);
        const auto buffered = views.render(p);
        BOOST_TEST(streamed(views, p) == buffered, rows << " rows");
        BOOST_TEST(buffered.find("Name 0 &lt;&amp;&gt; &apos;x&apos; &quot;y&quot;") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(an_edited_row_still_streams_the_same_bytes) {
    const auto shipped = read("views/event_manage.mustache");
    auto edited = shipped;
    const std::string cell =
        "<td data-label=\"Status\"><span class=\"tag {{status_tag}}\">{{status_label}}</span></td>";
    const auto at = edited.find(cell);
    BOOST_REQUIRE(at != std::string::npos);
    edited.replace(at, cell.size(),
                   "\n    {{! one cell per line }}\n    <td>{{status}} {{status_label}}</td>\n    "
                   "{{#pending}}\n    <td>waiting</td>\n    {{/pending}}\n   ");
    const auto dir = views_with_manage(edited);
    ems::Views views(dir);
    const auto p = manage_page(7);
    BOOST_TEST(streamed(views, p) == views.render(p));
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_row_the_stream_cannot_render_stops_the_start) {
    const auto shipped = read("views/event_manage.mustache");
    for (const std::string& bad : {std::string("{{{name}}}"), std::string("{{title}}")}) {
        auto edited = shipped;
        const auto at = edited.find("{{name}}", edited.find("{{#participants}}"));
        BOOST_REQUIRE(at != std::string::npos);
        edited.replace(at, 8, bad);
        const auto dir = views_with_manage(edited);
        BOOST_CHECK_THROW(ems::Views{dir}, std::runtime_error);
        std::filesystem::remove_all(dir);
    }
}

// The dashboard's created-event rows go through a row template compiled
// from dashboard.mustache; the page must be what the template renders.
BOOST_AUTO_TEST_CASE(dashboard_rows_are_the_template_render_byte_for_byte) {
    ems::Views views("views");
    ems::pages::Dashboard p;
    p.layout.title = "Dashboard";
    p.layout.csrf_token = "tok&<";
    p.fullname = "Org <b>";
    for (int i = 0; i < 3; ++i) {
        ems::pages::Event e;
        e.id = std::to_string(i);
        e.name = "Event " + std::to_string(i) + " <i>&'\"";
        e.start_display = "1 Jan 2030";
        e.location = "Hall \"B\" & <C>";
        e.participantcount = 10 * i;
        p.created.push_back({e, "/events/edit/" + e.id + "?a=1&b=2", "/events/manage/" + e.id,
                             "/events/delete/" + e.id});
        p.participants += e.participantcount;
    }
    const auto fast = views.render(p);
    BOOST_TEST(fast == views.render("dashboard", ems::pages::to_model(p)));
    BOOST_TEST(fast.find("Event 2 &lt;i&gt;&amp;&apos;&quot;") != std::string::npos);
    BOOST_TEST(fast.find("{{") == std::string::npos);
    p.created.clear();  // the empty page: the template's own text
    BOOST_TEST(views.render(p).find("You haven't created any events yet.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_generic_row_names_what_it_refuses_and_keeps_raw_fields_raw) {
    const ems::RowTemplate::Names names{"test row", {"a", "tok"}, {"on"}, {"tok"}};
    std::string out;
    ems::RowTemplate("<{{a}}|{{tok}}{{#on}}+{{/on}}{{^on}}-{{/on}}>", names)
        .render({"x&y", "t&amp;"}, {true}, out);
    BOOST_TEST(out == "<x&amp;y|t&amp;+>");
    for (const char* bad : {"{{b}}", "{{#off}}x{{/off}}", "{{#on}}x", "{{{a}}}"}) {
        try {
            ems::RowTemplate(bad, names);
            BOOST_FAIL(std::string("accepted ") + bad);
        } catch (const std::runtime_error& e) {
            BOOST_TEST(std::string(e.what()).find("test row") == 0u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
