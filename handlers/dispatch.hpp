// The dispatcher: a plain function from Request to Response, callable from
// tests without a socket. It is the one error boundary of the app: how each
// error type answers, in HTML and in JSON, is described in core/errors.hpp.
#pragma once
#include <optional>

#include "handlers/app.hpp"
#include "handlers/request.hpp"
#include "handlers/response.hpp"

namespace ems {

// With `out`, a streamed response (Response::stream) is sent through it,
// head and body, while it is produced; the returned Response then only
// says what was sent (out->sent_any() or a started head). Without, the
// stream is collected into the returned body.
Response dispatch(Request& req, App& app, ResponseOutput* out = nullptr);
// Headers every response carries (CSP, nosniff, framing, referrer).
void add_security_headers(Response& res);
// Errors are answered in JSON for the API (is_api_request), /health, and a
// client whose Accept asks for JSON and not HTML; in HTML otherwise.
bool wants_json(const Request& req);
// Inside a catch block: the answer for the exception in flight, the one
// mapping of errors to answers. A fault worth a look gets an error id (set
// in error_id, shown to the visitor) and one error-log line with its cause.
Response answer_current_exception(Ctx& ctx, std::string& error_id);
// The ping, status and metrics pages (handlers/pool_pages.cpp) when the
// request is for one of them: before any session or database work.
std::optional<Response> pool_page(const Request& req, const Config& c);

}  // namespace ems
