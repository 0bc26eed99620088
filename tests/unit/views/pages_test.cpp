// Typed view models: what each becomes in the page, and the {{url.NAME}}
// links every template sees beneath its model.
#define BOOST_TEST_DYN_LINK
#include "views/pages.hpp"

#include <boost/test/unit_test.hpp>

#include "views/render.hpp"

namespace {

ems::pages::Layout layout() {
    ems::pages::Layout l;
    l.title = "Manage Event";
    l.csrf_token = "tok";
    return l;
}

ems::Views views() {
    return ems::Views("views", {{"dashboard", "/D"}, {"create_event", "/C"}, {"login", "/L"}});
}

bool has(const std::string& html, const std::string& part) {
    return html.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pages)

BOOST_AUTO_TEST_CASE(links_are_looked_up_beneath_the_model_even_inside_sections) {
    ems::pages::Dashboard p;
    p.layout = layout();
    p.layout.user = ems::pages::Layout::User{"Ann", "Ann B", "7"};
    const auto html = views().render(p);
    BOOST_TEST(has(html, "<li><a href=\"/D\">Dashboard</a></li>"));  // inside {{#user}}
    BOOST_TEST(has(html, "class=\"button primary\" href=\"/C\""));
}

BOOST_AUTO_TEST_CASE(participant_rows_show_the_forms_of_their_status) {
    ems::pages::EventManage p;
    p.layout = layout();
    p.event.id = "5";
    p.edit_url = "/edit/5";
    p.total = 2;
    p.pending_count = 1;
    ems::pages::Participant waiting;
    waiting.name = "W <x>";
    waiting.pending = true;
    waiting.approve_url = "/ok/1";
    waiting.decline_url = "/no/1";
    ems::pages::Participant in;
    in.name = "I";
    in.remove_url = "/rm/2";
    p.participants = {waiting, in};
    const auto html = views().render(p);
    BOOST_TEST(has(html, "href=\"/edit/5\">Edit event</a>"));
    BOOST_TEST(has(html, "action=\"/ok/1\""));
    BOOST_TEST(has(html, "<a href=\"/no/1\">Decline</a>"));  // a confirmation page
    BOOST_TEST(has(html, "action=\"/rm/2\""));
    BOOST_TEST(has(html, "W &lt;x&gt;"));
    BOOST_TEST(has(html, "1 registered, 1 waiting for approval"));
    BOOST_TEST(!has(html, "Participant pages"), "no paging when the whole list is shown");
}

BOOST_AUTO_TEST_CASE(paging_links_show_only_for_more_than_one_page) {
    ems::pages::EventManage p;
    p.layout = layout();
    p.total = 1;
    p.participants.resize(1);
    p.paging = ems::pages::Paging{2, 3, "/m?page=1", "/m?page=3", "/m?all=1"};
    auto html = views().render(p);
    BOOST_TEST(has(html, "href=\"/m?page=1\" rel=\"prev\""));
    BOOST_TEST(has(html, "href=\"/m?page=3\" rel=\"next\""));
    BOOST_TEST(has(html, "Page 2 of 3"));
    p.paging = ems::pages::Paging{1, 1, "", "", "/m?all=1"};
    html = views().render(p);
    BOOST_TEST(!has(html, "Participant pages"));
}

BOOST_AUTO_TEST_CASE(attended_rows_say_pending_registered_or_unavailable) {
    ems::pages::Dashboard p;
    p.layout = layout();
    ems::pages::AttendedEvent a;
    a.event.name = "A";
    a.page_url = "/events/register/K";
    a.cancel_url = "/cancel/1";
    auto b = a, c = a;
    b.pending = true;
    c.status_unavailable = true;
    p.attended = {a, b, c};
    const auto m = ems::pages::to_model(p);
    BOOST_TEST(m["stats"]["registrations"].asString() == "3");
    BOOST_TEST(m["attended"][0]["pending"].asBool() == false);
    BOOST_TEST(m["attended"][1]["pending"].asBool() == true);
    BOOST_TEST(m["attended"][2]["status_unavailable"].asBool() == true);
    const auto html = views().render(p);
    BOOST_TEST(has(html, "Waiting for approval"));
    BOOST_TEST(has(html, "Status unavailable"));
    // Cancel asks on its page; the name links to the event's page.
    BOOST_TEST(has(html, "<a href=\"/cancel/1\">Cancel registration</a>"));
    BOOST_TEST(has(html, "<a href=\"/events/register/K\">A</a>"));
}

BOOST_AUTO_TEST_CASE(created_rows_link_the_name_to_the_manage_page) {
    ems::pages::Dashboard p;
    p.layout = layout();
    ems::pages::CreatedEvent c;
    c.event.name = "Mine & yours";
    c.event.startdate = "2026-11-30 02:11:15";
    c.event.start_display = "30 Nov 2026, 02:11";
    c.manage_url = "/m/3";
    p.created = {c};
    const auto html = views().render(p);
    BOOST_TEST(has(html, "<td><a href=\"/m/3\">Mine &amp; yours</a></td>"));
    BOOST_TEST(has(html, "<time datetime=\"2026-11-30 02:11:15\">30 Nov 2026, 02:11</time>"));
}

BOOST_AUTO_TEST_CASE(the_site_name_logo_and_footer_links_come_from_the_site) {
    ems::pages::Login p;
    p.layout = layout();
    auto html = ems::Views("views", {{"home", "/"}}).render(p);
    BOOST_TEST(has(html, "<title>Manage Event - Event Management System</title>"));
    BOOST_TEST(!has(html, "Privacy"));
    BOOST_TEST(!has(html, "Imprint"));
    BOOST_TEST(!has(html, "class=\"logo\""));
    const ems::pages::Site site{"Kurse <& Events>", "/static/logo.svg", "/privacy",
                                "https://example.org/imprint"};
    html = ems::Views("views", {{"home", "/"}}, site).render(p);
    BOOST_TEST(has(html, "<title>Manage Event - Kurse &lt;&amp; Events&gt;</title>"));
    BOOST_TEST(has(html, "<img class=\"logo\" src=\"/static/logo.svg\" alt=\"\""));
    BOOST_TEST(has(html, "<a href=\"/privacy\">Privacy</a>"));
    BOOST_TEST(has(html, "<a href=\"https://example.org/imprint\">Imprint</a>"));
    BOOST_TEST(!has(html, "Event Management System"));
}

BOOST_AUTO_TEST_CASE(login_fields_keep_their_errors_and_the_form_error) {
    ems::pages::Login p;
    p.layout = layout();
    p.fields = {{.name = "email",
                 .label = "Email",
                 .type = "email",
                 .autocomplete = "email",
                 .value = "a@b",
                 .error = "Bad",
                 .required = true}};
    p.form_error = "Invalid email or password";
    const auto html = views().render(p);
    BOOST_TEST(has(html, "value=\"a@b\""));
    BOOST_TEST(has(html, "aria-describedby=\"email-error\""));
    BOOST_TEST(has(html, "role=\"alert\" id=\"form-error\">Invalid email or password"));
    BOOST_TEST(has(html, "<title>Manage Event - Event Management System</title>"));
}

BOOST_AUTO_TEST_SUITE_END()
