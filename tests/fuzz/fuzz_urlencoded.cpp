// libFuzzer target: an application/x-www-form-urlencoded POST body, read
// by Request::read_body (cgicc underneath) as every HTML form is.
#include "tests/fuzz/request_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ems::fuzz::run_request({{"REQUEST_METHOD", "POST"},
                            {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                            {"CONTENT_LENGTH", "0"}},
                           ems::fuzz::text(data, size));
    return 0;
}
