// backup --out FILE [--force] and backup --verify FILE.
#include "cmd/admin_backup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cmd/backup_snapshot.hpp"
#include "core/time.hpp"

namespace fs = std::filesystem;

namespace ems::backup {

std::string summary(const Manifest& m) {
    std::uint64_t rows = 0;
    for (const auto& [t, n] : m.table_rows) rows += n;
    return std::to_string(m.table_rows.size()) + " tables (" + std::to_string(rows) + " rows), " +
           std::to_string(m.files.size() - 1) + " files";
}

std::string foreign_owner_refusal(const std::string& dir, const std::string& command) {
    struct stat st {};
    if (geteuid() != 0 || stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return "";
    return dir + " belongs to uid " + std::to_string(st.st_uid) +
           "; run as root, this command would leave files that user cannot read. Run it as "
           "that user: runuser -u \"$(stat -c %U " +
           dir + ")\" -- ems-admin " + command;
}

namespace {

// Every file of a folder and its subfolders, relative to it, sorted.
std::vector<std::string> tree(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().filename().string()[0] != '.')
            out.push_back(fs::relative(it->path(), dir).string());
    if (ec) throw Failure("reading " + dir.string() + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

void add_path(TarWriter& tw, Manifest& m, const std::string& name, const fs::path& file) {
    const int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;  // removed since it was listed
        fail_errno("reading " + file.string(), errno);
    }
    struct stat st {};
    fstat(fd, &st);
    try {
        m.files[name] =
            tw.add_fd(name, fd, static_cast<std::uint64_t>(st.st_size), st.st_mode, st.st_mtime);
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
}

// What is archived by path after the pause: files no registration touches
// (users/ is a copy of the user rows that the app rewrites after its
// commits; pictures; journals kept aside and files set aside by repairs).
void add_unlocked(TarWriter& tw, Manifest& m, const Config& config) {
    const fs::path root = config.storage_root;
    for (const char* dir : {"users", ".ems/journal/kept", ".ems/damaged", ".ems/orphans"})
        for (const auto& rel : tree(root / dir))
            add_path(tw, m, std::string("storage/") + dir + "/" + rel, root / dir / rel);
    for (const auto& rel : tree(config.uploads_dir))
        add_path(tw, m, "uploads/" + rel, fs::path(config.uploads_dir) / rel);
}

void write_archive(const Config& config, Snapshot& s, int out_fd, const std::string& recipient,
                   Manifest& m) {
    Pipe in;
    Child age({"age", "-r", recipient}, in.read, out_fd);
    in.close_read();
    try {
        TarWriter tw(in.write);
        m.files["dump.sql"] = tw.add_fd("dump.sql", s.dump_fd, s.dump_size, 0600, ::time(nullptr));
        for (const auto& h : s.held)
            m.files[h.path] = tw.add_fd(h.path, h.fd, h.size, h.mode, h.mtime);
        add_unlocked(tw, m, config);
        m.table_rows = s.table_rows;
        for (const auto& [path, sum] : m.files) ++m.folder_files[folder_of(path)];
        tw.add_bytes("manifest.json", m.to_json(), 0600);
        tw.close();
    } catch (const Failure& e) {
        in.close_write();
        std::string error;
        if (!age.wait(error)) throw Failure("age: " + error);
        throw;
    }
    in.close_write();
    std::string error;
    if (!age.wait(error)) throw Failure("age: " + error);
}

void backup(const Config& config, const std::string& out, bool force) {
    const auto recipient = recipient_of(config.backup_key);
    if (!force && fs::exists(out)) throw Failure(out + " exists; add --force to replace it");
    const fs::path dir = fs::path(out).has_parent_path() ? fs::path(out).parent_path() : ".";
    const std::string tmp = out + ".tmp." + std::to_string(getpid());
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno("cannot write in " + dir.string() + " (" + tmp + ")", errno);
    try {
        Snapshot s;
        take_snapshot(config, dir, s);
        Manifest m;
        m.ems_version = ems_version;
        m.schema_version = s.schema_version;
        m.created_at = time::iso8601_utc(time::now_ms());
        m.consistency =
            "events rows locked (FOR UPDATE) while mariadb-dump opened its snapshot and the "
            "events, participants and journal files were opened";
        write_archive(config, s, fd, recipient, m);
        if (fsync(fd) != 0) fail_errno("writing " + tmp, errno);
        close(fd);
        if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), force ? 0 : RENAME_NOREPLACE))
            fail_errno("renaming " + tmp + " to " + out, errno);
        const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) fsync(dfd), close(dfd);
        std::cout << "backup " << out << ": " << summary(m) << ", " << fs::file_size(out)
                  << " bytes encrypted to " << recipient << "; registrations paused "
                  << static_cast<long>(s.pause_ms + 0.5) << " ms for the snapshot\n";
    } catch (...) {
        close(fd);
        unlink(tmp.c_str());
        throw;
    }
}

class NullSink : public Sink {
    void begin(const std::string&, std::uint64_t, unsigned) override {}
    void data(const char*, std::size_t) override {}
    void end() override {}
};

// age's last words, said for an operator.
std::string age_problem(const std::string& file, const std::string& key, const std::string& e) {
    if (e.find("no identity matched") != std::string::npos)
        return file + " was not encrypted to the key in " + key + " (wrong key): " + e;
    // age authenticates each 64 KiB chunk and the last one as the last: a
    // cut archive and an altered one both fail that check.
    return file + " is cut short or was altered (age could not authenticate it): " + e;
}

void compare(const Manifest& m, const std::map<std::string, FileSum>& seen,
             const std::map<std::string, std::uint64_t>& rows) {
    for (const auto& [path, sum] : m.files) {
        auto it = seen.find(path);
        if (it == seen.end()) throw Failure("the archive lacks " + path + " (in the manifest)");
        if (it->second.size != sum.size || it->second.sha256 != sum.sha256)
            throw Failure(path + ": checksum or size differs from the manifest");
    }
    for (const auto& [path, sum] : seen)
        if (!m.files.count(path))
            throw Failure("the archive holds " + path + ", not in the manifest");
    for (const auto& [t, n] : m.table_rows) {
        auto it = rows.find(t);
        const std::uint64_t got = it == rows.end() ? 0 : it->second;
        if (got != n)
            throw Failure("table " + t + ": dump.sql has " + std::to_string(got) +
                          " rows, the manifest says " + std::to_string(n));
    }
    std::map<std::string, std::uint64_t> folders;
    for (const auto& [path, sum] : seen) ++folders[folder_of(path)];
    if (folders != m.folder_files) throw Failure("file counts per folder differ from the manifest");
}

}  // namespace

Manifest read_archive(const Config& config, const std::string& file, Sink& sink) {
    const auto& key = config.backup_key;
    recipient_of(key);  // a clear message for a missing or unreadable key
    if (access(file.c_str(), R_OK) != 0) fail_errno(file, errno);
    Pipe out;
    Child age({"age", "-d", "-i", key, file}, -1, out.write);
    out.close_write();
    std::map<std::string, FileSum> seen;
    RowCounter rows;
    std::optional<Manifest> manifest;
    bool sink_failed = false;  // then the error is ours, and age only lost its reader
    try {
        TarReader tr(out.read);
        std::string path, text;
        std::uint64_t size = 0;
        unsigned mode = 0;
        std::vector<char> buf(1 << 16);
        while (tr.next(path, size, mode)) {
            if (manifest) throw Failure("the archive has " + path + " after its manifest");
            if (!safe_path(path) || seen.count(path))
                throw Failure("the archive has an unsafe or repeated path: " + path);
            const bool is_manifest = path == "manifest.json", is_dump = path == "dump.sql";
            sink_failed = true;
            if (!is_manifest) sink.begin(path, size, mode);
            sink_failed = false;
            Sha256 sum;
            std::uint64_t total = 0;
            text.clear();
            while (std::size_t n = tr.read(buf.data(), buf.size())) {
                total += n;
                if (is_manifest) {
                    text.append(buf.data(), n);
                    continue;
                }
                sum.add(buf.data(), n);
                if (is_dump) rows.add({buf.data(), n});
                sink_failed = true;
                sink.data(buf.data(), n);
                sink_failed = false;
            }
            if (is_manifest) {
                manifest = Manifest::from_json(text);
            } else {
                sink_failed = true;
                sink.end();
                sink_failed = false;
                seen[path] = {total, sum.hex()};
            }
        }
        // The tar reader stops at the end-of-archive blocks; age must still
        // decrypt (and authenticate) the rest, the last chunk above all, and
        // dies of SIGPIPE if nobody reads it.
        char rest[1 << 12];
        ssize_t n;
        while ((n = read(out.read, rest, sizeof rest)) > 0 || (n < 0 && errno == EINTR)) {
        }
    } catch (const Failure& e) {
        out.close_read();
        std::string error;
        if (!sink_failed && !age.wait(error)) throw Failure(age_problem(file, key, error));
        throw;
    }
    out.close_read();
    std::string error;
    if (!age.wait(error)) throw Failure(age_problem(file, key, error));
    if (!manifest) throw Failure(file + " has no manifest.json: not an ems backup, or cut short");
    rows.finish();
    compare(*manifest, seen, rows.rows());
    return *manifest;
}

int backup_command(int argc, char** argv, const std::string& config_path) {
    std::optional<std::string> out, verify;
    bool force = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--force") {
            force = true;
        } else if ((a == "--out" || a == "--verify") && i + 1 < argc) {
            (a == "--out" ? out : verify) = argv[++i];
        } else {
            std::cerr << "ems-admin backup: unknown option or missing value: " << a << "\n";
            return 2;
        }
    }
    if (!out == !verify) {
        std::cerr << "ems-admin backup: give --out FILE or --verify FILE\n";
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);  // a dead child is an error on its pipe, then its message
    // One descriptor per events, participants and journal file is held open.
    rlimit nofile{};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    try {
        const auto config = Config::load(config_path);
        if (out) {
            backup(config, *out, force);
        } else {
            NullSink sink;
            const auto m = read_archive(config, *verify, sink);
            std::cout << *verify << ": verified, every checksum and count matches the manifest ("
                      << summary(m) << "; made " << m.created_at << " by " << m.ems_version
                      << ", schema version " << m.schema_version << ")\n";
            for (const auto& [t, n] : m.table_rows) std::cout << "table " << t << " " << n << "\n";
            for (const auto& [f, n] : m.folder_files)
                std::cout << "folder " << f << " " << n << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ems-admin backup: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace ems::backup
