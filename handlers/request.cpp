#include "handlers/request.hpp"

#include <cgicc/CgiEnvironment.h>
#include <cgicc/CgiUtils.h>
#include <cgicc/Cgicc.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <set>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace ems {

std::multimap<std::string, std::string> parse_query(const std::string& qs) {
    std::multimap<std::string, std::string> out;
    for (const auto& pair : split(qs, '&')) {
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = cgicc::form_urldecode(pair.substr(0, eq));
        auto value =
            eq == std::string::npos ? std::string() : cgicc::form_urldecode(pair.substr(eq + 1));
        out.emplace(std::move(name), std::move(value));
    }
    return out;
}

std::map<std::string, std::string> parse_cookies(const std::string& header) {
    std::map<std::string, std::string> out;
    for (const auto& part : split(header, ';')) {
        const auto eq = part.find('=');
        if (eq == std::string::npos) continue;
        auto name = trim(part.substr(0, eq));
        // First occurrence wins, as browsers send the most specific first.
        if (!name.empty()) out.emplace(std::move(name), trim(part.substr(eq + 1)));
    }
    return out;
}

Request::Request(cgicc::CgiInput& input) : input_(input) {
    method_ = input_.getenv("REQUEST_METHOD");
    if (method_.empty()) method_ = "GET";
    path_ = input_.getenv("DOCUMENT_URI");
    if (path_.empty()) {
        const auto uri = input_.getenv("REQUEST_URI");
        path_ = cgicc::form_urldecode(uri.substr(0, uri.find('?')));
    }
    if (path_.empty() || path_[0] != '/') path_ = "/" + path_;
    query_string_ = input_.getenv("QUERY_STRING");
    query_ = parse_query(query_string_);
    content_type_ = input_.getenv("CONTENT_TYPE");
    const auto cl = input_.getenv("CONTENT_LENGTH");
    long long n = 0;
    const auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
    if (!cl.empty() && ec == std::errc() && p == cl.data() + cl.size() && n >= 0)
        content_length_ = n;
    cookies_ = parse_cookies(input_.getenv("HTTP_COOKIE"));
}

std::string Request::header(const std::string& name) const {
    std::string key = "HTTP_";
    for (char c : name)
        key.push_back(c == '-' ? '_'
                               : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return input_.getenv(key.c_str());
}

std::optional<std::string> Request::cookie(const std::string& name) const {
    const auto it = cookies_.find(name);
    if (it == cookies_.end()) return std::nullopt;
    return it->second;
}

std::string Request::query(const std::string& name) const {
    const auto it = query_.find(name);
    return it == query_.end() ? std::string() : it->second;
}

bool Request::is_https() const {
    const auto https = input_.getenv("HTTPS");
    return (!https.empty() && https != "off") || https_via_proxy_;
}

void Request::trust_proxy(const std::string& header_name, const std::string& addresses) {
    if (header_name.empty() || addresses.empty()) return;
    const auto from = remote_addr();
    bool trusted = false;
    for (const auto& a : split(addresses, ','))
        trusted = trusted || (!from.empty() && trim(a) == from);
    https_via_proxy_ = trusted && to_lower(trim(header(header_name))) == "https";
}

namespace {

// The fields of a form body, counted without decoding it: separators of an
// urlencoded body, boundary lines of a multipart one. Cheap next to the
// parse it may save (cgicc builds a string pair per field).
std::size_t count_fields(const std::string& body, const std::string& content_type, bool multipart) {
    if (!multipart) return static_cast<std::size_t>(std::count(body.begin(), body.end(), '&')) + 1;
    const auto b = content_type.find("boundary=");
    if (b == std::string::npos) return 0;
    auto boundary = content_type.substr(b + 9);
    boundary = boundary.substr(0, boundary.find(';'));
    if (boundary.size() >= 2 && boundary.front() == '"')
        boundary = boundary.substr(1, boundary.size() - 2);
    if (boundary.empty()) return 0;
    const std::string line = "--" + boundary;
    std::size_t n = 0;
    for (auto at = body.find(line); at != std::string::npos; at = body.find(line, at + line.size()))
        ++n;
    return n > 0 ? n - 1 : 0;  // the last boundary line closes the body
}

// The request's environment with a body already read, for cgicc to parse
// (it reads the body itself otherwise, before anything could count it).
class ReadBodyInput : public cgicc::CgiInput {
  public:
    ReadBodyInput(cgicc::CgiInput& env, const std::string& body) : env_(env), body_(body) {}
    std::size_t read(char* data, std::size_t length) override {
        const auto n = std::min(length, body_.size() - pos_);
        std::copy_n(body_.data() + pos_, n, data);
        pos_ += n;
        return n;
    }
    std::string getenv(const char* name) override { return env_.getenv(name); }

  private:
    cgicc::CgiInput& env_;
    const std::string& body_;
    std::size_t pos_ = 0;
};

}  // namespace

void Request::read_body(std::size_t limit, std::size_t max_fields) {
    if (body_read_) return;
    body_read_ = true;
    const bool has_body = method_ == "POST" || method_ == "PUT" || method_ == "PATCH";
    if (!has_body) return;
    if (content_length_ < 0) {
        if (!input_.getenv("CONTENT_LENGTH").empty()) throw BadRequest("Invalid Content-Length");
        return;  // no CONTENT_LENGTH, no body
    }
    if (static_cast<unsigned long long>(content_length_) > limit)
        throw PayloadTooLarge("The request body is too large (at most " +
                              std::to_string(limit / 1024) + " KB)");
    try {
        const bool form_encoded = content_type_.rfind("application/x-www-form-urlencoded", 0) == 0;
        const bool multipart = content_type_.rfind("multipart/form-data", 0) == 0;
        body_.resize(static_cast<std::size_t>(content_length_));
        body_.resize(input_.read(body_.data(), body_.size()));
        if (static_cast<long long>(body_.size()) != content_length_)
            throw BadRequest("Incomplete request body");
        if ((form_encoded || multipart) &&
            count_fields(body_, content_type_, multipart) > max_fields)
            throw BadRequest("Too many form fields (at most " + std::to_string(max_fields) + ")");
        if (form_encoded || multipart) {
            ReadBodyInput again(input_, body_);
            cgicc::Cgicc cgi(&again);
            for (const auto& e : cgi.getElements()) form_.emplace(e.getName(), e.getValue());
            for (const auto& f : cgi.getFiles())
                files_.push_back({f.getName(), f.getFilename(), f.getDataType(), f.getData()});
        }
    } catch (const HttpError&) {
        throw;
    } catch (const std::exception&) {
        throw BadRequest("The request body could not be read");
    }
}

namespace {

void refuse_repeats(const std::multimap<std::string, std::string>& fields) {
    static const std::set<std::string> checkboxes = {
        "registration_open", "require_approval", "listed", "close_at_start", "registration_mail"};
    for (auto it = fields.begin(); it != fields.end();) {
        const auto next = fields.upper_bound(it->first);
        const auto n = std::distance(it, next);
        const bool checkbox = n == 2 && it->second == "0" && checkboxes.count(it->first) > 0;
        if (n > 1 && !checkbox)
            throw BadRequest("The field '" + to_valid_utf8(it->first.substr(0, 64)) +
                             "' was sent more than once");
        it = next;
    }
}

}  // namespace

void Request::refuse_repeated_fields() const {
    refuse_repeats(query_);
    refuse_repeats(form_);
}

std::string Request::form(const std::string& name) const {
    const auto it = form_.find(name);
    return it == form_.end() ? std::string() : it->second;
}

bool Request::has_form(const std::string& name) const {
    return form_.count(name) > 0;
}

const UploadedFile* Request::file(const std::string& field) const {
    for (const auto& f : files_)
        if (f.field == field && !f.data.empty()) return &f;
    return nullptr;
}

bool is_api_request(const Request& req) {
    const auto& p = req.path();
    return p.size() >= 4 && strncasecmp(p.c_str(), "/api", 4) == 0 &&
           (p.size() == 4 || p[4] == '/');
}

}  // namespace ems
