// Templates: escaped by default everywhere (the nav included), partials
// expanded, the layout's title format.
#define BOOST_TEST_DYN_LINK
#include "views/render.hpp"

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
