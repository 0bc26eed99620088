// core/json_read: the one JSON reader and each thing it refuses.
#define BOOST_TEST_DYN_LINK
#include "core/json_read.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

namespace {

bool reads(const std::string& text, const ems::JsonReadOptions& o) {
    return ems::read_json(text, o).has_value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(core_json_read)

BOOST_AUTO_TEST_CASE(both_presets_refuse_what_is_not_strict_json) {
    const char* refused[] = {
        R"({"a": 1} trailing)",    // data after the value
        R"({"a": 1}{"b": 2})",     // a second value
        R"({"a": 1 /* note */})",  // comment
        R"(// note
{"a": 1})",
        R"({'a': 1})",        // single quotes
        R"({"a": [1, 2,]})",  // trailing comma
        R"([1,,2])",          // dropped value
        R"({"a": NaN})",      // special float
        R"({"a": 1e400})",    // out of double range
        R"({"a": 01})",       // numbers outside JSON's grammar
        R"({"a": 1.})",
        R"({"a": +1})",
        R"({"a": -.0})",
        R"({"a": .5})",
        R"({"a": 1e})",
        R"({"a": 1.5e+})",
        R"({"a": --1})",
        R"({"a": 0x10})",
        R"({"a": 1, "a": 2})",  // duplicate key
        R"("just a string")",   // root neither object nor array
        R"(42)",
        "",
    };
    for (const auto* text : refused) {
        BOOST_TEST_CONTEXT(text) {
            BOOST_TEST(!reads(text, ems::JsonReadOptions::php_file()));
            BOOST_TEST(!reads(text, ems::JsonReadOptions::api_body()));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_json_number_form_reads) {
    const auto v =
        ems::read_json(R"([0, -0, 12, -3.25, 1e5, 1E+2, 2.5e-3, -0.0, 10.0, "01 +1 1."])",
                       ems::JsonReadOptions::php_file());
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST(v->size() == 10u);
    BOOST_TEST((*v)[3].asDouble() == -3.25);
    std::string error;
    BOOST_TEST(!ems::read_json(R"({"n": 007})", ems::JsonReadOptions::api_body(), &error));
    BOOST_TEST(error == "'007' is not a JSON number");
}

BOOST_AUTO_TEST_CASE(reads_plain_json_and_says_why_it_refuses) {
    const auto v = ems::read_json(" {\"a\": [1, \"x\", null], \"b\": {}}\n ",
                                  ems::JsonReadOptions::api_body());
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST((*v)["a"][1].asString() == "x");
    std::string error;
    BOOST_TEST(!ems::read_json("{\"a\": 1, \"a\": 2}", ems::JsonReadOptions::php_file(), &error));
    BOOST_TEST(error.find("Duplicate key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(depth_and_size_limits) {
    const auto nested = [](int depth) {
        return std::string(static_cast<std::size_t>(depth), '[') +
               std::string(static_cast<std::size_t>(depth), ']');
    };
    BOOST_TEST(reads(nested(60), ems::JsonReadOptions::api_body()));
    BOOST_TEST(!reads(nested(100), ems::JsonReadOptions::api_body()));
    BOOST_TEST(reads(nested(200), ems::JsonReadOptions::php_file()));
    BOOST_TEST(!reads(nested(300), ems::JsonReadOptions::php_file()));
    auto small = ems::JsonReadOptions::php_file();
    small.max_bytes = 8;
    BOOST_TEST(reads("[1,2,3]", small));
    BOOST_TEST(!reads("[1, 2, 3]", small));
}

BOOST_AUTO_TEST_CASE(utf8_is_checked_in_api_bodies_only) {
    const std::string bad = "{\"name\": \"x\xC3(\"}";
    BOOST_TEST(!reads(bad, ems::JsonReadOptions::api_body()));
    BOOST_TEST(reads(bad, ems::JsonReadOptions::php_file()));
    BOOST_TEST(reads("{\"name\": \"Grüße\"}", ems::JsonReadOptions::api_body()));
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_an_option) {
    auto lenient = ems::JsonReadOptions::php_file();
    lenient.reject_duplicate_keys = false;
    const auto v = ems::read_json(R"({"a": 1, "a": 2})", lenient);
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST((*v)["a"].asInt() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
