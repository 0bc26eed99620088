// A cgicc input over an environment map and a body string: what the tests,
// the fuzzer and the benchmarks use to build a Request without a socket.
#pragma once
#include <cgicc/CgiInput.h>

#include <map>
#include <string>

namespace ems {

class StringInput : public cgicc::CgiInput {
  public:
    StringInput(std::map<std::string, std::string> env, std::string body);
    std::size_t read(char* data, std::size_t length) override;
    std::string getenv(const char* name) override;

  private:
    std::map<std::string, std::string> env_;
    std::string body_;
    std::size_t pos_ = 0;
};

}  // namespace ems
