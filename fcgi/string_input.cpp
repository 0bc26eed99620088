#include "fcgi/string_input.hpp"

#include <algorithm>
#include <cstring>

namespace ems {

StringInput::StringInput(std::map<std::string, std::string> env, std::string body)
    : env_(std::move(env)), body_(std::move(body)) {}

std::size_t StringInput::read(char* data, std::size_t length) {
    const auto n = std::min(length, body_.size() - pos_);
    std::memcpy(data, body_.data() + pos_, n);
    pos_ += n;
    return n;
}

std::string StringInput::getenv(const char* name) {
    const auto it = env_.find(name);
    return it == env_.end() ? std::string() : it->second;
}

}  // namespace ems
