// The participant row template: kainjow's escaping and line rule, and the
// tags it refuses (so an edit that would need the slow path fails at start).
#define BOOST_TEST_DYN_LINK
#include "views/row_template.hpp"

#include <boost/test/unit_test.hpp>
#include <kainjow/mustache.hpp>

namespace {

ems::pages::ParticipantRow row(bool pending) {
    ems::pages::ParticipantRow r;
    r.name = "<Ann> & 'Bo' \"C\"";
    r.email = "a@x";
    r.joined_at = "2024-01-01 10:00:00";
    r.status = pending ? "pending" : "registered";
    r.pending = pending;
    r.joined_display = "1 Jan 2024, 10:00";
    r.status_label = pending ? "Waiting <for> approval" : "Registered";
    r.status_tag = pending ? "warn" : "o'k";
    if (pending) {
        r.approve_url = "/a?x=1&y=2";
        r.decline_url = "/d";
    } else {
        r.remove_url = "/r";
    }
    return r;
}

// What kainjow renders for the same text and row.
std::string theirs(const std::string& text, const ems::pages::ParticipantRow& r) {
    kainjow::mustache::data d{kainjow::mustache::data::type::object};
    d["name"] = std::string(r.name);
    d["email"] = std::string(r.email);
    d["joined_at"] = std::string(r.joined_at);
    d["status"] = std::string(r.status);
    d["pending"] = kainjow::mustache::data(r.pending);
    d["approve_url"] = std::string(r.approve_url);
    d["decline_url"] = std::string(r.decline_url);
    d["remove_url"] = std::string(r.remove_url);
    d["joined_display"] = std::string(r.joined_display);
    d["status_label"] = std::string(r.status_label);
    d["status_tag"] = std::string(r.status_tag);
    d["csrf_token"] = std::string("t&k");
    return kainjow::mustache::mustache(text).render(d);
}

std::string ours(const std::string& text, const ems::pages::ParticipantRow& r) {
    std::string out;
    ems::RowTemplate(text).render(r, "t&amp;k", out);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(row_template)

BOOST_AUTO_TEST_CASE(renders_what_kainjow_renders) {
    const std::string texts[] = {
        "<tr><td>{{name}}</td><td>{{ email }}</td>{{#pending}}<a href=\"{{approve_url}}\">"
        "{{csrf_token}}</a>{{/pending}}{{^pending}}<b>{{remove_url}}</b>{{/pending}}</tr>\n",
        // Section tags alone on their lines: kainjow drops those lines.
        "<tr>\n  {{#pending}}\n  <td>{{approve_url}}</td>\n  {{/pending}}\n"
        "  {{^pending}}\n  <td>{{remove_url}}</td>\n  {{/pending}}\n</tr>\n",
        // A comment, CRLF line ends, a blank line, no final line end.
        "<td><span class=\"tag {{status_tag}}\">{{status_label}}</span></td>"
        "<td><time datetime=\"{{joined_at}}\">{{joined_display}}</time></td>\n",
        "{{! a note }}<td>{{status}}</td>\r\n\r\n  "
        "\t{{#pending}}{{/pending}}\n<td>{{joined_at}}</td>",
        "",
    };
    for (const auto& text : texts)
        for (const bool pending : {true, false})
            BOOST_TEST(ours(text, row(pending)) == theirs(text, row(pending)),
                       "template: " << text << " pending: " << pending);
}

BOOST_AUTO_TEST_CASE(escapes_every_html_special_character) {
    std::string out;
    ems::append_escaped(out, "<a href='x'>\"&\"</a>");
    BOOST_TEST(out == "&lt;a href=&apos;x&apos;&gt;&quot;&amp;&quot;&lt;/a&gt;");
}

BOOST_AUTO_TEST_CASE(refuses_raw_output_unknown_fields_and_other_sections) {
    for (const char* text :
         {"{{{name}}}", "{{&name}}", "{{title}}", "{{#name}}x{{/name}}", "{{#pending}}x",
          "x{{/pending}}", "{{>field}}", "{{=<% %>=}}", "{{name", "{{}}", "{{pending}}"})
        BOOST_CHECK_THROW(ems::RowTemplate{text}, std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
