// A private folder under /tmp for one test case, removed with everything in
// it afterwards, and whole-file helpers for the tests that read and damage
// storage files.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ems::test {

struct TempRoot {
    std::filesystem::path dir;
    TempRoot() {
        char tmpl[] = "/tmp/ems-test-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~TempRoot() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;
    std::filesystem::path path(const std::string& rel) const { return dir / rel; }
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void spit(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace ems::test
