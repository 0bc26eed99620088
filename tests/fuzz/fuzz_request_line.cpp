// libFuzzer target: the request line, "METHOD URI" (the first line of the
// input; the first byte chooses whether nginx's decoded DOCUMENT_URI is
// given or only REQUEST_URI), through Request and the route table (with
// the test routes). A matched route must be able to build its own URL
// from the parameters it matched (url_for percent-encodes them).
#include "handlers/router.hpp"
#include "tests/fuzz/request_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool document_uri = data[0] & 1;
    std::string line = ems::fuzz::text(data + 1, size - 1);
    line = line.substr(0, line.find('\n'));
    const auto sp = line.find(' ');
    const std::string method = line.substr(0, sp);
    const std::string uri = sp == std::string::npos ? std::string() : line.substr(sp + 1);
    std::map<std::string, std::string> env{{"REQUEST_METHOD", method}, {"REQUEST_URI", uri}};
    const auto q = uri.find('?');
    if (q != std::string::npos) env["QUERY_STRING"] = uri.substr(q + 1);
    env["DOCUMENT_URI"] = document_uri ? uri.substr(0, q) : std::string();
    ems::fuzz::run_request(env, "", [](const ems::Request& req) {
        const auto match = ems::match_route(ems::routes(), req.method(), req.path(), true);
        if (match.route && !match.route->test_only)
            (void)ems::url_for(match.route->name, match.params);
    });
    return 0;
}
