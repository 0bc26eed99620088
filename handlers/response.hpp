// What a handler answers; fcgi/worker.cpp turns it into FastCGI output.
#pragma once
#include <json/json.h>

#include <string>
#include <utility>
#include <vector>

namespace ems {

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    void set_header(const std::string& name, const std::string& value);
    // First value of a header (case-insensitive name), empty when absent.
    std::string header(const std::string& name) const;

    static Response html(std::string body, int status = 200);
    static Response json(const Json::Value& value, int status = 200);
    static Response text(std::string body, std::string content_type, int status = 200);
    // 302 with a path-only Location, as the PHP app answered.
    static Response redirect(const std::string& location);
};

// The reason phrase of the status line ("Not Found").
const char* status_text(int status);
// The error page's title for a status ("Page not found").
const char* status_title(int status);
// True when a header can be sent as is: the name an HTTP token, the value
// free of control characters (CR or LF would end the header and start
// another, or the body; a tab has no use in any header ems sends).
bool valid_header(const std::string& name, const std::string& value);
// The name of the first header that is not valid_header; empty when none.
std::string first_invalid_header(const Response& res);
// The CGI/FastCGI response head and body: "Status: 200 OK\r\n...\r\n\r\nbody".
// A header that is not valid_header is left out (dispatch answers 500
// before it gets here; this is the last line).
std::string serialize_cgi(const Response& res, bool head_only = false);
std::string to_json_text(const Json::Value& value);

}  // namespace ems
