// The one way to fail: models and handlers throw these types, and
// handlers/dispatch.cpp turns them into answers at one boundary. The type
// alone picks the status; no code reads a message to decide anything, so a
// message can be reworded without changing a status code. The message (and
// each field message) is safe to show; causes go to the log.
//
// How a thrown error answers:
// - JSON (the API, /health, a client asking for JSON only): the type's
//   status and {"error": message, "fields"?: {field: message}}.
// - HTML: a refusal (any 4xx but 429) answers as the page that threw it
//   declared with Ctx::answer_refusals_with_form (the form re-rendered with
//   the message and the field messages, status 422, as the PHP forms did)
//   or Ctx::answer_refusals_with_redirect (flash the message as an error,
//   302 to a page, as the PHP app answered "not found", "not yours" and
//   refused registrations); a page that declared neither, and every other
//   status, gets the error page with the type's status.
// A duplicate key (MariaDB 1062) that no model turned into a domain error
// answers as a Conflict with a generic message: 409 in JSON, the form's
// message or the flash in HTML.
#pragma once
#include <map>
#include <stdexcept>
#include <string>

namespace ems {

// Field name -> message; shown beside the form's fields, or as "fields" in JSON.
using FieldErrors = std::map<std::string, std::string>;

struct HttpError : std::runtime_error {
    HttpError(int status, const std::string& message, FieldErrors fields = {})
        : std::runtime_error(message), status(status), fields(std::move(fields)) {}
    int status;
    FieldErrors fields;
};
struct BadRequest : HttpError {
    explicit BadRequest(const std::string& m = "Bad request") : HttpError(400, m) {}
};
// Not signed in, or the credentials given do not sign anyone in.
struct Unauthorized : HttpError {
    explicit Unauthorized(const std::string& m = "Sign in required") : HttpError(401, m) {}
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
// The current state refuses the change: the e-mail is taken, the event is
// full or closed, a concurrent write got there first.
struct Conflict : HttpError {
    explicit Conflict(const std::string& m, FieldErrors fields = {})
        : HttpError(409, m, std::move(fields)) {}
};
struct PayloadTooLarge : HttpError {
    explicit PayloadTooLarge(const std::string& m = "Request body too large") : HttpError(413, m) {}
};
// Input that fails validation: the form's message and, per field, its own.
struct Invalid : HttpError {
    explicit Invalid(const std::string& m, FieldErrors fields = {})
        : HttpError(422, m, std::move(fields)) {}
};
// Not a refusal of the input: come back later (Retry-After), in HTML too.
struct TooManyRequests : HttpError {
    TooManyRequests(const std::string& m, int retry_after)
        : HttpError(429, m), retry_after(retry_after) {}
    int retry_after;
};
// A fault the site recovers from by itself (database unreachable or busy,
// storage read-only or full, one event's list damaged): 503, Retry-After.
struct ServiceUnavailable : HttpError {
    explicit ServiceUnavailable(const std::string& m, int retry_after = 5)
        : HttpError(503, m), retry_after(retry_after) {}
    int retry_after;
};

// True for the errors a page may answer in its own way (see above).
inline bool is_refusal(const HttpError& e) {
    return e.status >= 400 && e.status < 500 && e.status != 429;
}

}  // namespace ems
