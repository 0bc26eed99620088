// How the audit log names who did something: every actor string is built
// here, never pasted together at a call site.
#pragma once

#include <string>
#include <string_view>

namespace ems {

// "uid:12" (or "uid:<guid>"): a signed-in user.
inline std::string user_actor(std::string_view uid) {
    return "uid:" + std::string(uid);
}
// ems-admin and housekeeping (compaction, repairs).
inline constexpr const char* admin_actor = "admin";

}  // namespace ems
