#include "handlers/response.hpp"

#include <strings.h>

namespace ems {

void Response::set_header(const std::string& name, const std::string& value) {
    for (auto& [n, v] : headers) {
        if (strcasecmp(n.c_str(), name.c_str()) == 0 &&
            strcasecmp(name.c_str(), "Set-Cookie") != 0) {
            v = value;
            return;
        }
    }
    headers.emplace_back(name, value);
}

std::string Response::header(const std::string& name) const {
    for (const auto& [n, v] : headers)
        if (strcasecmp(n.c_str(), name.c_str()) == 0) return v;
    return {};
}

Response Response::html(std::string body, int status) {
    return text(std::move(body), "text/html; charset=UTF-8", status);
}

Response Response::json(const Json::Value& value, int status) {
    return text(to_json_text(value), "application/json; charset=UTF-8", status);
}

Response Response::text(std::string body, std::string content_type, int status) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.set_header("Content-Type", content_type);
    return r;
}

Response Response::redirect(const std::string& location) {
    Response r;
    r.status = 302;
    r.set_header("Location", location);
    r.set_header("Content-Type", "text/html; charset=UTF-8");
    return r;
}

const char* status_text(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 503:
            return "Service Unavailable";
        default:
            return status >= 500 ? "Internal Server Error" : "Error";
    }
}

std::string serialize_cgi(const Response& res, bool head_only) {
    std::string out =
        "Status: " + std::to_string(res.status) + " " + status_text(res.status) + "\r\n";
    for (const auto& [n, v] : res.headers) out += n + ": " + v + "\r\n";
    out += "\r\n";
    if (!head_only) out += res.body;
    return out;
}

std::string to_json_text(const Json::Value& value) {
    Json::StreamWriterBuilder b;
    b["indentation"] = "";
    b["emitUTF8"] = true;
    return Json::writeString(b, value);
}

}  // namespace ems
