// One HTTP request as the app sees it. The head (method, path, query,
// cookies) is read at construction; the body only by read_body(), after the
// route matched and the size was checked against the limit.
#pragma once
#include <cgicc/CgiInput.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ems {

struct UploadedFile {
    std::string field, filename, content_type, data;
};

class Request {
  public:
    explicit Request(cgicc::CgiInput& input);

    const std::string& method() const { return method_; }
    const std::string& path() const { return path_; }
    const std::string& query_string() const { return query_string_; }
    std::string env(const char* name) const { return input_.getenv(name); }
    // An HTTP request header by its name ("Origin", "User-Agent").
    std::string header(const std::string& name) const;
    std::optional<std::string> cookie(const std::string& name) const;
    std::string query(const std::string& name) const;
    // HTTPS when nginx says so (fastcgi_params' HTTPS), or when the request
    // comes from a trusted proxy (trust_proxy) whose header says "https".
    bool is_https() const;
    // The proxies in front of nginx that terminate TLS: requests from one of
    // `addresses` (REMOTE_ADDR, exactly) are HTTPS when their `header`
    // (e.g. X-Forwarded-Proto) is "https". Anyone else's header is ignored.
    void trust_proxy(const std::string& header, const std::string& addresses);
    std::string remote_addr() const { return env("REMOTE_ADDR"); }
    // Declared CONTENT_LENGTH; -1 when absent or not a number.
    long long content_length() const { return content_length_; }

    // Reads and parses the body (urlencoded, multipart or raw). Throws
    // PayloadTooLarge over `limit` (from CONTENT_LENGTH, before a byte is
    // read), BadRequest for a short or bad body, and BadRequest for a form
    // of more than `max_fields` fields (counted before it is parsed, like
    // PHP's max_input_vars).
    void read_body(std::size_t limit, std::size_t max_fields = 1000);
    const std::string& body() const { return body_; }
    const std::string& content_type() const { return content_type_; }
    std::string form(const std::string& name) const;
    bool has_form(const std::string& name) const;
    const std::multimap<std::string, std::string>& form_fields() const { return form_; }
    const UploadedFile* file(const std::string& field) const;
    // Throws BadRequest naming the first field of the query or the form
    // sent more than once (`id=1&id=2`: which one counts would be a guess,
    // and PHP and cgicc guess differently). The one repeat allowed is a
    // checkbox of ours after its hidden "0" (the event form's
    // registration_open and require_approval), where the last value counts.
    void refuse_repeated_fields() const;

    // Route parameters, filled by the router.
    std::map<std::string, std::string> params;

  private:
    cgicc::CgiInput& input_;
    std::string method_, path_, query_string_, content_type_, body_;
    long long content_length_ = -1;
    std::multimap<std::string, std::string> query_, form_;
    std::map<std::string, std::string> cookies_;
    std::vector<UploadedFile> files_;
    bool body_read_ = false;
    bool https_via_proxy_ = false;
};

// The one rule for "is this an API request": the path is /api or under
// /api/, its literals compared case-insensitively as the router matches them
// (so /API/me is the API too). API requests may sign in with a bearer token,
// get 401 instead of the login page, and get every error as JSON.
bool is_api_request(const Request& req);

// Parses "a=1&b=2" into a multimap with form decoding; never throws.
std::multimap<std::string, std::string> parse_query(const std::string& qs);
// Parses a Cookie header ("a=1; b=2"); never throws.
std::map<std::string, std::string> parse_cookies(const std::string& header);

}  // namespace ems
