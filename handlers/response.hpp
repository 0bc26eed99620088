// What a handler answers; fcgi/worker.cpp turns it into FastCGI output.
#pragma once
#include <json/json.h>

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ems {

// Where a streamed body goes while it is produced: FastCGI records (the
// worker's output), or a string when dispatch is called without one.
class BodySink {
  public:
    virtual ~BodySink() = default;
    // Throws ClientGone when the client is no longer there to read it.
    virtual void write(std::string_view bytes) = 0;
};

// The connection to nginx broke while a body was written (the client left).
struct ClientGone : std::runtime_error {
    ClientGone() : std::runtime_error("the client went away during the response") {}
};

// What dispatch sends a streamed response through (fcgi/worker.cpp). The
// head is held with the first bytes of the body until a chunk is full, so
// a producer that fails early still lets dispatch answer with an error page.
class ResponseOutput : public BodySink {
  public:
    // The status line and headers (serialize_cgi with no body).
    virtual void start(std::string head) = 0;
    // True once a byte has left the process: the head cannot change anymore.
    virtual bool sent_any() const = 0;
    // Drops the head and body not sent yet (only before sent_any).
    virtual void discard() = 0;
    // Sends what is held.
    virtual void finish() = 0;
    // The response cannot be completed (the client left, or the producer
    // failed after sent_any): end the connection without the end record.
    virtual void abort() = 0;
    // Body bytes written so far.
    virtual std::size_t body_bytes() const = 0;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // A body written while it is produced (the 5 MB participant list), in
    // place of `body`: dispatch calls it once, after the handler returned
    // and the headers are final, so it owns (captures by value) what it reads.
    std::function<void(BodySink&)> stream;

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
