// libFuzzer target: the configuration file (core/config.hpp), read by
// Config::load from a memory file. Any text gives a Config or a
// std::runtime_error that names the problem; the EMS_* environment is
// cleared first so only the file counts.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.hpp"

extern "C" char** environ;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::vector<std::string> names;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "EMS_", 4) == 0) names.emplace_back(*e, std::strcspn(*e, "="));
    for (const auto& n : names) unsetenv(n.c_str());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const int fd = memfd_create("ems-fuzz-config", 0);
    if (fd < 0) __builtin_trap();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
        __builtin_trap();
    try {
        const ems::Config c = ems::Config::load("/proc/self/fd/" + std::to_string(fd));
        if (c.password_cost < 10 || c.password_cost > 16) __builtin_trap();
    } catch (const std::runtime_error& e) {
        if (std::strncmp(e.what(), "config: ", 8) != 0) __builtin_trap();
    }
    return 0;
}
