// libFuzzer target: a multipart/form-data POST body (the profile picture
// upload). The first line of the input is the Content-Type header (its
// boundary), the rest the body.
#include "tests/fuzz/request_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string in = ems::fuzz::text(data, size);
    const auto nl = in.find('\n');
    const std::string type = in.substr(0, nl);
    const std::string body = nl == std::string::npos ? std::string() : in.substr(nl + 1);
    ems::fuzz::run_request(
        {{"REQUEST_METHOD", "POST"}, {"CONTENT_TYPE", type}, {"CONTENT_LENGTH", "0"}}, body,
        [](const ems::Request& req) {
            for (const auto& [name, value] : req.form_fields()) (void)req.file(name);
        });
    return 0;
}
