// The parts of `ems-admin backup` / `restore` that are not about ems: child
// processes (age, mariadb-dump, mariadb) run by argv without a shell, the
// archive format (tar through libarchive, encrypted by age), SHA-256, and
// counting the rows of a mariadb-dump file. See cmd/admin_backup.cpp.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct archive;

namespace ems::backup {

// Any failure of a backup, verify or restore step; the message is the line
// the operator sees after "ems-admin COMMAND: ".
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "<what>: <strerror(errno)>" as a Failure.
[[noreturn]] void fail_errno(const std::string& what, int error);

// A program started with fork/exec: stdin and stdout are the given fds (-1:
// /dev/null), stderr is kept in memory for the message of a failure.
class Child {
  public:
    Child(const std::vector<std::string>& argv, int in, int out,
          const std::vector<std::string>& extra_env = {});
    ~Child();  // kills and reaps a child still running
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    // Waits for the exit; true when it exited 0. `error` gets its stderr
    // (trimmed), or how it died.
    bool wait(std::string& error);
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    int err_fd_ = -1;
    std::string name_;
};

// A pipe whose ends close themselves.
struct Pipe {
    Pipe();
    ~Pipe();
    void close_read();
    void close_write();
    int read = -1, write = -1;
};

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    void add(const void* data, std::size_t n);
    std::string hex();  // once, at the end

  private:
    void* ctx_;
};

// Counts the rows of each table in mariadb-dump output, fed in any slices:
// `INSERT INTO `t` VALUES (..),(..);` statements, the rows on the same line
// or one per line, strings in single quotes with backslash escapes (never a
// raw newline), as mariadb-dump writes them.
class RowCounter {
  public:
    void add(std::string_view data);
    void finish();
    const std::map<std::string, std::uint64_t>& rows() const { return rows_; }
    // True once the dump has written its first table: it has taken its snapshot.
    bool saw_table() const { return saw_table_; }

  private:
    void line(std::string_view l);
    std::string partial_;
    std::string table_;  // of the INSERT statement being read, if any
    int depth_ = 0;
    std::map<std::string, std::uint64_t> rows_;
    bool saw_table_ = false;
};

// What the manifest records of one file in the archive.
struct FileSum {
    std::uint64_t size = 0;
    std::string sha256;
};

struct Manifest {
    int format = 1;
    std::string ems_version, created_at, consistency;
    int schema_version = 0;
    std::map<std::string, std::uint64_t> table_rows;    // table -> rows in dump.sql
    std::map<std::string, std::uint64_t> folder_files;  // users, events, ... -> files
    std::map<std::string, FileSum> files;               // path in the archive -> size, sha256
    std::string to_json() const;
    static Manifest from_json(const std::string& text);  // throws Failure
};

// The folder counted for an archive path ("storage/users/1.json" -> "users",
// "storage/.ems/journal/3.jnl" -> "journals", "uploads/a.jpg" -> "uploads").
std::string folder_of(const std::string& path);
// An archive path is relative, without "." or ".." parts or empty parts.
bool safe_path(const std::string& path);

// The recipient (public key) of the age identity file `key`, by age-keygen -y.
std::string recipient_of(const std::string& key);

// Writes tar entries to an fd (the stdin of `age`), hashing each file.
class TarWriter {
  public:
    explicit TarWriter(int fd);
    ~TarWriter();
    // Copies `size` bytes of `fd` from offset 0 as `path`; returns its sum.
    FileSum add_fd(const std::string& path, int fd, std::uint64_t size, unsigned mode,
                   std::int64_t mtime);
    void add_bytes(const std::string& path, const std::string& bytes, unsigned mode);
    void close();

  private:
    void header(const std::string& path, std::uint64_t size, unsigned mode, std::int64_t mtime);
    archive* a_;
    bool closed_ = false;
};

// Reads tar entries from an fd (the stdout of `age -d`).
class TarReader {
  public:
    explicit TarReader(int fd);
    ~TarReader();
    // The next entry's path, size and mode; false at the end.
    bool next(std::string& path, std::uint64_t& size, unsigned& mode);
    // The current entry's data, in slices of up to `cap` bytes; 0 at its end.
    std::size_t read(char* buf, std::size_t cap);

  private:
    archive* a_;
};

}  // namespace ems::backup
