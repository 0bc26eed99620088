// Shared by the request fuzz targets (fuzz_query, fuzz_urlencoded,
// fuzz_multipart, fuzz_cookies, fuzz_request_line): one request from a
// CGI environment and a body, read the way the app reads it. Any input
// must give a Request or an HttpError with a 4xx status: a crash, a
// sanitizer report, a hang, another exception or another status is a
// finding (libFuzzer stops and writes the input).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/errors.hpp"
#include "fcgi/string_input.hpp"
#include "handlers/request.hpp"

namespace ems::fuzz {

// The bytes libFuzzer gives, as a string.
inline std::string text(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// Reads the head and the body (limit 1 MiB) and asks for the fields the
// handlers ask for; `more` gets the Request for target-specific checks.
template <typename More>
void run_request(std::map<std::string, std::string> env, const std::string& body, More more) {
    if (!env.count("REQUEST_METHOD")) env["REQUEST_METHOD"] = body.empty() ? "GET" : "POST";
    if (!env.count("DOCUMENT_URI")) env["DOCUMENT_URI"] = "/auth/login";
    if (!body.empty()) env["CONTENT_LENGTH"] = std::to_string(body.size());
    StringInput input(env, body);
    try {
        Request req(input);
        req.read_body(1 << 20);
        (void)req.form("csrf_token");
        (void)req.has_form("email");
        (void)req.cookie("ems_session");
        (void)req.query("page");
        (void)req.file("profile_picture");
        (void)is_api_request(req);
        more(req);
    } catch (const HttpError& e) {
        if (e.status < 400 || e.status > 499) __builtin_trap();
    }
}

inline void run_request(std::map<std::string, std::string> env, const std::string& body) {
    run_request(std::move(env), body, [](const Request&) {});
}

}  // namespace ems::fuzz
