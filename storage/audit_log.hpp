// Audit trail: one JSON object per line, appended with O_APPEND and a single
// write() per line so lines from concurrent processes never interleave.
#pragma once

#include <json/json.h>

#include <filesystem>

namespace ems::storage {

class AuditLog {
  public:
    explicit AuditLog(const std::filesystem::path& path);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    // Never throws: a failing audit write must not undo a done operation;
    // it is reported on stderr instead.
    void write(const Json::Value& record) noexcept;

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// Local time, "YYYY-MM-DD HH:MM:SS" like the PHP app.
std::string local_timestamp();

}  // namespace ems::storage
