// The error log and the access log: one line per entry, appended with
// O_APPEND so the workers of the pool can share the files.
#pragma once
#include <string>

namespace ems::log {

// Opens log_dir/error.log and log_dir/access.log; before this, or when they
// cannot be opened, lines go to stderr.
void open(const std::string& log_dir);
void error(const std::string& message);
void info(const std::string& message);
void access(const std::string& line);
// The stamp of every line: time::iso8601_utc of now.
std::string now_iso8601();

}  // namespace ems::log
