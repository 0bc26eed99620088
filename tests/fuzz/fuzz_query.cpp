// libFuzzer target: the query string (QUERY_STRING), as Request and
// parse_query read it. A name read back must be one parse_query found.
#include "tests/fuzz/request_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string qs = ems::fuzz::text(data, size);
    const auto fields = ems::parse_query(qs);
    ems::fuzz::run_request(
        {{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", qs}}, "", [&](const ems::Request& req) {
            for (const auto& [name, value] : fields)
                if (req.query(name).empty() && !value.empty() && fields.count(name) == 1)
                    __builtin_trap();
        });
    return 0;
}
