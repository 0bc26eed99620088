// Audit trail: one JSON object per line, appended with O_APPEND and a single
// write() per line so lines from concurrent processes never interleave.
//
// Whole or nothing: a record is either one complete line or absent. The file
// is opened on the first write (a read-only or full storage must not stop a
// worker from starting); while it cannot be opened or written, records go to
// stderr (the error log) instead, the reason once per failure burst, and
// opening is retried at most every `retry_s` seconds. Writers hold flock on
// the log while appending; after a short write (disk full) the writer cuts
// the file back to where its record began, and a record that finds the file
// not ending in a newline (a crash mid-write) starts with one, so a fragment
// is never glued to the next record.
#pragma once

#include <json/json.h>

#include <ctime>
#include <filesystem>
#include <string>

namespace ems::storage {

class AuditLog {
  public:
    explicit AuditLog(const std::filesystem::path& path, int retry_s = 5);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    // Never throws: a failing audit write must not undo a done operation.
    void write(const Json::Value& record) noexcept;

  private:
    bool open_file();
    bool append(const std::string& line, int* error);
    void fallback(const std::string& line, const std::string& reason);

    std::filesystem::path path_;
    int retry_s_;
    int fd_ = -1;
    std::time_t next_open_ = 0;  // no open attempt before this time
    int error_ = 0;              // errno of the last failure
    bool failing_ = false;       // in a failure burst (reason already on stderr)
};

}  // namespace ems::storage
