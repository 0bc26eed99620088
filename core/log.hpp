// The error log and the access log: one line per entry, appended with
// O_APPEND so the workers of the pool can share the files.
#pragma once
#include <string>
#include <string_view>

namespace ems::log {

// Every line is written through this: a control character (a %0a in a
// logged path, a CR in a header) becomes \n, \r, \t or \xNN, so nothing
// a client sends can start a line of its own or hide text from a terminal.
std::string escape_controls(std::string_view text);
// Opens log_dir/error.log and log_dir/access.log; before this, or when they
// cannot be opened, lines go to stderr.
void open(const std::string& log_dir);
void error(const std::string& message);
void info(const std::string& message);
void access(const std::string& line);
// The stamp of every line: time::iso8601_utc of now.
std::string now_iso8601();

}  // namespace ems::log
