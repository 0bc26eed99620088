// libFuzzer target for request parsing: the first byte picks what the rest
// is (0 query string, 1 urlencoded body, 2 "content-type\nmultipart body",
// 3 Cookie header). Any input must give a Request or an HttpError (4xx),
// never a crash, a hang or another exception.
#include <cstdint>
#include <map>
#include <string>

#include "core/errors.hpp"
#include "fcgi/string_input.hpp"
#include "handlers/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const int mode = data[0] % 4;
    std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::map<std::string, std::string> env{{"REQUEST_METHOD", "GET"},
                                           {"DOCUMENT_URI", "/auth/login"}};
    std::string body;
    switch (mode) {
        case 0:
            env["QUERY_STRING"] = rest;
            break;
        case 1:
            env["REQUEST_METHOD"] = "POST";
            env["CONTENT_TYPE"] = "application/x-www-form-urlencoded";
            body = rest;
            break;
        case 2: {
            const auto nl = rest.find('\n');
            env["REQUEST_METHOD"] = "POST";
            env["CONTENT_TYPE"] = rest.substr(0, nl);
            body = nl == std::string::npos ? std::string() : rest.substr(nl + 1);
            break;
        }
        default:
            env["HTTP_COOKIE"] = rest;
            break;
    }
    env["CONTENT_LENGTH"] = std::to_string(body.size());
    ems::StringInput input(env, body);
    try {
        ems::Request req(input);
        req.read_body(1 << 20);
        (void)req.form("csrf_token");
        (void)req.cookie("ems_session");
        (void)req.query("page");
        (void)req.file("profile_picture");
    } catch (const ems::HttpError& e) {
        if (e.status < 400 || e.status > 499) __builtin_trap();
    }
    return 0;
}
