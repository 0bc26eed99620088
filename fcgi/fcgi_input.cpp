#include "fcgi/fcgi_input.hpp"

#include <climits>

namespace ems {

std::size_t FcgiInput::read(char* data, std::size_t length) {
    std::size_t total = 0;
    while (total < length) {
        const auto chunk = static_cast<int>(std::min<std::size_t>(length - total, INT_MAX));
        const int n = FCGX_GetStr(data + total, chunk, request_.in);
        if (n <= 0) break;
        total += static_cast<std::size_t>(n);
    }
    return total;
}

std::string FcgiInput::getenv(const char* name) {
    const char* v = FCGX_GetParam(name, request_.envp);
    return v ? std::string(v) : std::string();
}

}  // namespace ems
