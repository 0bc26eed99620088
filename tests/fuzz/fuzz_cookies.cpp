// libFuzzer target: the Cookie header, as Request and parse_cookies read
// it. Names and values come back trimmed and never empty-named.
#include "core/text.hpp"
#include "tests/fuzz/request_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string header = ems::fuzz::text(data, size);
    for (const auto& [name, value] : ems::parse_cookies(header))
        if (name.empty() || name != ems::trim(name) || value != ems::trim(value)) __builtin_trap();
    ems::fuzz::run_request({{"REQUEST_METHOD", "GET"}, {"HTTP_COOKIE", header}}, "");
    return 0;
}
