#include "cmd/backup_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json/json.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/json_read.hpp"

namespace ems::backup {

void fail_errno(const std::string& what, int error) {
    throw Failure(what + ": " + std::strerror(error));
}

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

// ---- child processes ------------------------------------------------------

Child::Child(const std::vector<std::string>& argv, int in, int out,
             const std::vector<std::string>& extra_env)
    : name_(argv.at(0)) {
    err_fd_ = memfd_create("stderr", MFD_CLOEXEC);
    if (err_fd_ < 0) fail_errno("memfd_create", errno);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) fail_errno("fork", errno);
    if (pid_ == 0) {
        const int null = open("/dev/null", O_RDWR);
        dup2(in >= 0 ? in : null, 0);
        dup2(out >= 0 ? out : null, 1);
        dup2(err_fd_, 2);
        for (const auto& e : extra_env) putenv(const_cast<char*>(e.c_str()));
        signal(SIGPIPE, SIG_DFL);
        // Descriptors other than 0-2 are O_CLOEXEC or closed here.
        for (int fd = 3; fd < 1024; ++fd) close(fd);
        execvp(args[0], args.data());
        dprintf(2, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
}

Child::~Child() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) ::close(err_fd_);
}

bool Child::wait(std::string& error) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    std::string err;
    char buf[4096];
    ssize_t n;
    off_t off = 0;
    while ((n = pread(err_fd_, buf, sizeof buf, off)) > 0) err.append(buf, n), off += n;
    error = trim(err);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    if (error.empty())
        error = name_ + (WIFSIGNALED(status)
                             ? " was killed by signal " + std::to_string(WTERMSIG(status))
                             : " exited with status " + std::to_string(WEXITSTATUS(status)));
    return false;
}

Pipe::Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail_errno("pipe", errno);
    read = fds[0];
    write = fds[1];
}
Pipe::~Pipe() {
    close_read();
    close_write();
}
void Pipe::close_read() {
    if (read >= 0) ::close(read);
    read = -1;
}
void Pipe::close_write() {
    if (write >= 0) ::close(write);
    write = -1;
}

std::string recipient_of(const std::string& key) {
    if (key.empty())
        throw Failure(
            "no backup key: set backup_key in the configuration (or EMS_BACKUP_KEY) "
            "to an age identity file made by `age-keygen -o FILE`");
    if (access(key.c_str(), R_OK) != 0) fail_errno("backup key " + key, errno);
    Pipe out;
    Child keygen({"age-keygen", "-y", key}, -1, out.write);
    out.close_write();
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = ::read(out.read, buf, sizeof buf)) > 0) text.append(buf, n);
    std::string error;
    if (!keygen.wait(error)) throw Failure("backup key " + key + ": " + error);
    text = trim(text);
    if (text.rfind("age1", 0) != 0) throw Failure("backup key " + key + ": not an age identity");
    return text;
}

// ---- SHA-256 ---------------------------------------------------------------

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256::~Sha256() {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}
void Sha256::add(const void* data, std::size_t n) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
}
std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) out += {digits[md[i] >> 4], digits[md[i] & 15]};
    return out;
}

// ---- rows of a dump ----------------------------------------------------------

void RowCounter::add(std::string_view data) {
    for (;;) {
        const auto nl = data.find('\n');
        if (nl == std::string_view::npos) break;
        if (partial_.empty()) {
            line(data.substr(0, nl));
        } else {
            partial_.append(data.substr(0, nl));
            line(partial_);
            partial_.clear();
        }
        data.remove_prefix(nl + 1);
    }
    partial_.append(data);
}

void RowCounter::finish() {
    if (!partial_.empty()) line(partial_);
    partial_.clear();
}

void RowCounter::line(std::string_view l) {
    std::size_t i = 0;
    if (table_.empty()) {
        if (l.rfind("-- Table structure for table", 0) == 0) saw_table_ = true;
        static constexpr std::string_view insert = "INSERT INTO `";
        if (l.rfind(insert, 0) != 0) return;
        const auto end = l.find('`', insert.size());
        const auto values = l.find(" VALUES", end);
        if (end == std::string_view::npos || values == std::string_view::npos) return;
        table_ = l.substr(insert.size(), end - insert.size());
        rows_.try_emplace(table_, 0);
        i = values + 7;
    }
    // Rows are "(...)" at depth 0, on this line or the next ones (10.11
    // writes one per line), up to the ";" that ends the statement.
    std::uint64_t& n = rows_[table_];
    bool quoted = false;
    // Only quotes, backslashes in strings, parentheses and ';' matter.
    for (; (i = l.find_first_of(quoted ? "\\'" : "'();", i)) != std::string_view::npos; ++i) {
        if (quoted) {
            if (l[i] == '\\')
                ++i;  // the escaped character, whatever it is
            else
                quoted = false;
            continue;
        }
        switch (l[i]) {
            case '\'':
                quoted = true;
                break;
            case '(':
                n += depth_++ == 0 ? 1 : 0;
                break;
            case ')':
                --depth_;
                break;
            default:  // ';'
                if (depth_ == 0) return table_.clear();
        }
    }
}

// ---- manifest ------------------------------------------------------------------

std::string Manifest::to_json() const {
    Json::Value v(Json::objectValue);
    v["format"] = "ems-backup";
    v["format_version"] = format;
    v["ems_version"] = ems_version;
    v["schema_version"] = schema_version;
    v["created_at"] = created_at;
    v["consistency"] = consistency;
    for (const auto& [t, n] : table_rows) v["tables"][t] = Json::UInt64(n);
    for (const auto& [f, n] : folder_files) v["folders"][f] = Json::UInt64(n);
    for (const auto& [p, s] : files) {
        v["files"][p]["size"] = Json::UInt64(s.size);
        v["files"][p]["sha256"] = s.sha256;
    }
    Json::StreamWriterBuilder w;
    w["indentation"] = " ";
    return Json::writeString(w, v) + "\n";
}

Manifest Manifest::from_json(const std::string& text) {
    auto parsed = read_json(text, JsonReadOptions::php_file());
    if (!parsed || !parsed->isObject() || (*parsed)["format"].asString() != "ems-backup")
        throw Failure("manifest.json is not an ems backup manifest");
    const Json::Value& v = *parsed;
    Manifest m;
    try {
        m.format = v["format_version"].asInt();
        m.ems_version = v["ems_version"].asString();
        m.schema_version = v["schema_version"].asInt();
        m.created_at = v["created_at"].asString();
        m.consistency = v["consistency"].asString();
        for (const auto& t : v["tables"].getMemberNames())
            m.table_rows[t] = v["tables"][t].asUInt64();
        for (const auto& f : v["folders"].getMemberNames())
            m.folder_files[f] = v["folders"][f].asUInt64();
        for (const auto& p : v["files"].getMemberNames())
            m.files[p] = {v["files"][p]["size"].asUInt64(), v["files"][p]["sha256"].asString()};
    } catch (const Json::Exception& e) {
        throw Failure(std::string("manifest.json: ") + e.what());
    }
    if (m.format != 1)
        throw Failure("manifest.json: format version " + std::to_string(m.format) +
                      " is not one this ems reads (1)");
    return m;
}

std::string folder_of(const std::string& path) {
    if (path.rfind("uploads/", 0) == 0) return "uploads";
    if (path == "dump.sql") return "database";
    for (const char* f : {"users", "events", "participants"})
        if (path.rfind(std::string("storage/") + f + "/", 0) == 0) return f;
    if (path.rfind("storage/.ems/journal/", 0) == 0) return "journals";
    return "other";
}

bool safe_path(const std::string& path) {
    if (path.empty() || path.front() == '/' || path.back() == '/') return false;
    std::size_t start = 0;
    for (;;) {
        const auto slash = path.find('/', start);
        const auto part = path.substr(start, slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        if (slash == std::string::npos) return true;
        start = slash + 1;
    }
}

// ---- tar -----------------------------------------------------------------------

namespace {

[[noreturn]] void fail_archive(archive* a, const std::string& what) {
    const char* m = archive_error_string(a);
    throw Failure(what + ": " + (m ? m : "archive error"));
}

}  // namespace

TarWriter::TarWriter(int fd) : a_(archive_write_new()) {
    if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
        archive_write_open_fd(a_, fd) != ARCHIVE_OK)
        fail_archive(a_, "writing the archive");
}

TarWriter::~TarWriter() {
    archive_write_free(a_);
}

void TarWriter::header(const std::string& path, std::uint64_t size, unsigned mode,
                       std::int64_t mtime) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(size));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, mode & 0777);
    archive_entry_set_mtime(e, mtime, 0);
    const int rc = archive_write_header(a_, e);
    archive_entry_free(e);
    if (rc != ARCHIVE_OK) fail_archive(a_, "writing the archive (" + path + ")");
}

FileSum TarWriter::add_fd(const std::string& path, int fd, std::uint64_t size, unsigned mode,
                          std::int64_t mtime) {
    header(path, size, mode, mtime);
    Sha256 sum;
    std::vector<char> buf(1 << 16);
    std::uint64_t done = 0;
    while (done < size) {
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - done));
        const ssize_t n = pread(fd, buf.data(), want, static_cast<off_t>(done));
        if (n < 0) fail_errno("reading " + path, errno);
        if (n == 0) throw Failure("reading " + path + ": the file shrank while it was copied");
        sum.add(buf.data(), static_cast<std::size_t>(n));
        if (archive_write_data(a_, buf.data(), static_cast<std::size_t>(n)) != n)
            fail_archive(a_, "writing the archive (" + path + ")");
        done += static_cast<std::uint64_t>(n);
    }
    return {size, sum.hex()};
}

void TarWriter::add_bytes(const std::string& path, const std::string& bytes, unsigned mode) {
    header(path, bytes.size(), mode, time(nullptr));
    if (archive_write_data(a_, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
        fail_archive(a_, "writing the archive (" + path + ")");
}

void TarWriter::close() {
    if (!closed_ && archive_write_close(a_) != ARCHIVE_OK) fail_archive(a_, "writing the archive");
    closed_ = true;
}

TarReader::TarReader(int fd) : a_(archive_read_new()) {
    archive_read_support_format_tar(a_);
    if (archive_read_open_fd(a_, fd, 1 << 16) != ARCHIVE_OK)
        fail_archive(a_, "reading the archive");
}

TarReader::~TarReader() {
    archive_read_free(a_);
}

bool TarReader::next(std::string& path, std::uint64_t& size, unsigned& mode) {
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a_, &e);
    if (rc == ARCHIVE_EOF) return false;
    if (rc != ARCHIVE_OK) fail_archive(a_, "reading the archive");
    if (archive_entry_filetype(e) != AE_IFREG)
        throw Failure(std::string("the archive holds something other than a file: ") +
                      archive_entry_pathname(e));
    path = archive_entry_pathname(e);
    size = static_cast<std::uint64_t>(archive_entry_size(e));
    mode = archive_entry_perm(e);
    return true;
}

std::size_t TarReader::read(char* buf, std::size_t cap) {
    const la_ssize_t n = archive_read_data(a_, buf, cap);
    if (n < 0) fail_archive(a_, "reading the archive");
    return static_cast<std::size_t>(n);
}

}  // namespace ems::backup
