// The cgicc input adapter over a libfcgi request. Every virtual carries
// `override`: Debian's cgicc declares getenv non-const, and a const
// look-alike would silently read the process environment instead.
#pragma once
#include <cgicc/CgiInput.h>
#include <fcgiapp.h>

namespace ems {

class FcgiInput : public cgicc::CgiInput {
  public:
    explicit FcgiInput(FCGX_Request& request) : request_(request) {}
    std::size_t read(char* data, std::size_t length) override;
    std::string getenv(const char* name) override;

  private:
    FCGX_Request& request_;
};

}  // namespace ems
