// Exceptions that handlers throw; handlers/dispatch.cpp maps them to responses
// at one boundary. The message is safe to show; causes go to the log.
#pragma once
#include <map>
#include <stdexcept>
#include <string>

namespace ems {

struct HttpError : std::runtime_error {
    HttpError(int status, const std::string& message)
        : std::runtime_error(message), status(status) {}
    int status;
};
struct BadRequest : HttpError {
    explicit BadRequest(const std::string& m = "Bad request") : HttpError(400, m) {}
};
struct Forbidden : HttpError {
    explicit Forbidden(const std::string& m = "Forbidden") : HttpError(403, m) {}
};
struct NotFound : HttpError {
    explicit NotFound(const std::string& m = "Page not found") : HttpError(404, m) {}
};
struct MethodNotAllowed : HttpError {
    explicit MethodNotAllowed(std::string allow)
        : HttpError(405, "Method not allowed"), allow(std::move(allow)) {}
    std::string allow;
};
struct Conflict : HttpError {
    explicit Conflict(const std::string& m) : HttpError(409, m) {}
};
struct PayloadTooLarge : HttpError {
    PayloadTooLarge() : HttpError(413, "Request body too large") {}
};
// A field map of validation errors: rendered as a form error or a 422.
struct Invalid : HttpError {
    explicit Invalid(std::map<std::string, std::string> fields,
                     const std::string& m = "Invalid input")
        : HttpError(422, m), fields(std::move(fields)) {}
    std::map<std::string, std::string> fields;
};
// A fault the site recovers from by itself (database unreachable or busy,
// storage read-only or full, one event's list damaged): 503, Retry-After.
struct ServiceUnavailable : HttpError {
    explicit ServiceUnavailable(const std::string& m, int retry_after = 5)
        : HttpError(503, m), retry_after(retry_after) {}
    int retry_after;
};
struct TooManyRequests : HttpError {
    TooManyRequests(const std::string& m, int retry_after)
        : HttpError(429, m), retry_after(retry_after) {}
    int retry_after;
};

}  // namespace ems
