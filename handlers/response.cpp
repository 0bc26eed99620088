#include "handlers/response.hpp"

#include <strings.h>

#include <cctype>
#include <string_view>

#include "core/text.hpp"

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

namespace {

// Every status ems answers: the reason phrase of the status line, and the
// title of the error page (the PHP app's words where it had a page).
struct StatusName {
    int status;
    const char* reason;
    const char* title;
};
constexpr StatusName status_names[] = {
    {200, "OK", "OK"},
    {201, "Created", "Created"},
    {202, "Accepted", "Accepted"},
    {204, "No Content", "No Content"},
    {302, "Found", "Found"},
    {303, "See Other", "See Other"},
    {304, "Not Modified", "Not Modified"},
    {400, "Bad Request", "Error"},
    {401, "Unauthorized", "Error"},
    {403, "Forbidden", "Forbidden"},
    {404, "Not Found", "Page not found"},
    {405, "Method Not Allowed", "Error"},
    {409, "Conflict", "Error"},
    {413, "Payload Too Large", "Error"},
    {422, "Unprocessable Content", "Error"},
    {429, "Too Many Requests", "Error"},
    {503, "Service Unavailable", "Temporarily unavailable"},
};

const StatusName* find_status(int status) {
    for (const auto& s : status_names)
        if (s.status == status) return &s;
    return nullptr;
}

}  // namespace

const char* status_text(int status) {
    if (const auto* s = find_status(status)) return s->reason;
    return status >= 500 ? "Internal Server Error" : "Error";
}

const char* status_title(int status) {
    if (const auto* s = find_status(status)) return s->title;
    return "Error";
}

bool valid_header(const std::string& name, const std::string& value) {
    static constexpr std::string_view token_punct = "!#$%&'*+-.^_`|~";
    if (name.empty()) return false;
    for (const unsigned char c : name)
        if (!(c < 0x80 && std::isalnum(c)) &&
            token_punct.find(static_cast<char>(c)) == std::string_view::npos)
            return false;
    for (const unsigned char c : value)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

std::string first_invalid_header(const Response& res) {
    for (const auto& [n, v] : res.headers)
        if (!valid_header(n, v)) return n.empty() ? std::string("(empty name)") : n;
    return {};
}

std::string serialize_cgi(const Response& res, bool head_only) {
    std::string out =
        "Status: " + std::to_string(res.status) + " " + status_text(res.status) + "\r\n";
    for (const auto& [n, v] : res.headers)
        if (valid_header(n, v)) out += n + ": " + v + "\r\n";
    out += "\r\n";
    if (!head_only) out += res.body;
    return out;
}

namespace {

Json::Value with_valid_utf8(const Json::Value& v) {
    if (v.isString()) return to_valid_utf8(v.asString());
    if (v.isArray()) {
        Json::Value out(Json::arrayValue);
        for (const auto& e : v) out.append(with_valid_utf8(e));
        return out;
    }
    if (v.isObject()) {
        Json::Value out(Json::objectValue);
        for (const auto& k : v.getMemberNames()) out[to_valid_utf8(k)] = with_valid_utf8(v[k]);
        return out;
    }
    return v;
}

}  // namespace

// jsoncpp copies bytes that are not UTF-8 into its output as they are, which
// makes the text invalid JSON: such a value (a field error quoting what was
// typed, say) is written again with U+FFFD in their place.
std::string to_json_text(const Json::Value& value) {
    Json::StreamWriterBuilder b;
    b["indentation"] = "";
    b["emitUTF8"] = true;
    auto text = Json::writeString(b, value);
    if (!valid_utf8(text)) text = Json::writeString(b, with_valid_utf8(value));
    return text;
}

}  // namespace ems
