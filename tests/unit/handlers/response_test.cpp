// The response writer: which headers may be sent, and that one which may
// not never reaches the FastCGI output (issue 12, medium 1).
#define BOOST_TEST_DYN_LINK
#include "handlers/response.hpp"

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(response)

BOOST_AUTO_TEST_CASE(valid_header_refuses_control_characters_in_values_and_non_tokens_in_names) {
    BOOST_TEST(ems::valid_header("Location", "/events/register/ABC?x=1%0d%0a"));
    BOOST_TEST(ems::valid_header("Set-Cookie", "a=b; Path=/; HttpOnly"));
    BOOST_TEST(ems::valid_header("X-Caf\xC3\xA9-Free", "x") == false);
    BOOST_TEST(ems::valid_header("X", "caf\xC3\xA9"), "UTF-8 bytes are not control characters");
    using namespace std::string_literals;
    for (const auto& value : {"a\r\nX-Injected: yes"s, "a\nb"s, "a\rb"s, "a\tb"s, "a\0b"s,
                              "a\x7f"
                              "b"s,
                              "a\x1b[31mb"s})
        BOOST_TEST(!ems::valid_header("X-Test", value));
    for (const auto& name : {""s, "X Test"s, "X:Test"s, "X\r\nY"s, "X\nY"s, "(X)"s})
        BOOST_TEST(!ems::valid_header(name, "v"));
}

BOOST_AUTO_TEST_CASE(serialize_cgi_never_writes_a_header_that_is_not_valid) {
    ems::Response r = ems::Response::redirect("/dashboard");
    r.headers.emplace_back("Set-Cookie", "ok=1");
    r.headers.emplace_back("Set-Cookie", "x=1\r\nSet-Cookie: injected=1\r\n\r\n<h1>x");
    r.headers.emplace_back("X-Bad\r\nInjected", "1");
    const auto out = ems::serialize_cgi(r);
    BOOST_TEST(out.find("injected") == std::string::npos);
    BOOST_TEST(out.find("Injected") == std::string::npos);
    BOOST_TEST(out.find("Set-Cookie: ok=1\r\n") != std::string::npos);
    BOOST_TEST(out.find("Location: /dashboard\r\n") != std::string::npos);
    BOOST_TEST(ems::first_invalid_header(r) == "Set-Cookie");
    BOOST_TEST(ems::first_invalid_header(ems::Response::redirect("/x")).empty());
}

BOOST_AUTO_TEST_SUITE_END()
