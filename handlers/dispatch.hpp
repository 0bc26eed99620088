// The dispatcher: a plain function from Request to Response, callable from
// tests without a socket. It is the one error boundary of the app.
#pragma once
#include "handlers/app.hpp"
#include "handlers/request.hpp"
#include "handlers/response.hpp"

namespace ems {

Response dispatch(Request& req, App& app);
// Headers every response carries (CSP, nosniff, framing, referrer).
void add_security_headers(Response& res);

}  // namespace ems
