// How the instant is made (docs/STORAGE.md): every registration, cancel and
// event create takes its event's row lock (or the table's next-key lock)
// before it writes the participants file and keeps it until COMMIT. The
// backup locks every events row (SELECT ... FOR UPDATE), so no
// registration is between its file write and its commit; it starts
// mariadb-dump, waits until the dump has opened its consistent snapshot
// (its first table header comes after START TRANSACTION WITH CONSISTENT
// SNAPSHOT), opens every events, participants and journal file and notes
// each journal's length (records are only ever appended; compaction
// renames a new file in, which an open descriptor does not see), then
// rolls back. Registrations wait for that pause only, not for the copy.
#include "cmd/backup_snapshot.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>

#include "cmd/backup_archive.hpp"
#include "models/config_store.hpp"
#include "models/schema.hpp"

namespace fs = std::filesystem;

namespace ems::backup {

Snapshot::~Snapshot() {
    if (dump_fd >= 0) close(dump_fd);
    for (auto& h : held)
        if (h.fd >= 0) close(h.fd);
}

db::Options admin_db_options(const Config& config) {
    auto o = db_options(config);
    o.lock_wait_timeout = 60;
    o.read_timeout = 120;
    return o;
}

std::vector<std::string> client_args(const Config& c) {
    // mariadb-dump has no --connect-timeout: our own connection, made
    // first with the configured timeouts, finds an unreachable server.
    std::vector<std::string> a{"--no-defaults", "--user=" + c.db_user};
    if (!c.db_socket.empty())
        a.push_back("--socket=" + c.db_socket);
    else
        a.insert(a.end(),
                 {"--host=" + c.db_host, "--port=" + std::to_string(c.db_port), "--protocol=tcp"});
    return a;
}

std::vector<std::string> client_env(const Config& c) {
    return {"MYSQL_PWD=" + c.db_password};
}

namespace {

// The file's bytes up to the end of its last whole record: a torn last line
// (a writer that died) is never part of a backup, and the next writer cuts
// exactly that tail before it appends, so these bytes never change.
std::uint64_t whole_records(int fd, std::uint64_t size) {
    char buf[4096];
    while (size > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof buf));
        if (pread(fd, buf, n, static_cast<off_t>(size - n)) != static_cast<ssize_t>(n))
            fail_errno("reading a journal", errno);
        for (std::size_t i = n; i > 0; --i)
            if (buf[i - 1] == '\n') return size - n + i;
        size -= n;
    }
    return 0;
}

void hold(Snapshot& s, const fs::path& root, const std::string& rel, bool journal) {
    const int fd = open((root / rel).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        fail_errno("storage " + (root / rel).string(), errno);
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    HeldFile h{"storage/" + rel, fd, static_cast<std::uint64_t>(st.st_size), st.st_mode & 0777,
               st.st_mtime};
    if (journal) h.size = whole_records(fd, h.size);
    s.held.push_back(h);
}

// Regular file names of a folder, without temp files (".name.tmp.N").
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().filename().string()[0] != '.')
            out.push_back(it->path().filename().string());
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw Failure("storage folder " + dir.string() + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

// Inside the pause: every events file, and each event's participants file
// with its journal as one pair, under the list's shared lock (a compaction
// by another process, e.g. `ems-admin compact`, cannot fall between them).
void hold_storage(Snapshot& s, const fs::path& root) {
    for (const auto& n : names_in(root / "events")) hold(s, root, "events/" + n, false);
    std::set<std::string> ids;
    auto stem = [](const std::string& n, const char* ext) {
        const auto dot = n.find('.');
        return dot != std::string::npos && n.substr(dot) == ext &&
                       std::all_of(n.begin(), n.begin() + static_cast<long>(dot),
                                   [](char c) { return c >= '0' && c <= '9'; })
                   ? n.substr(0, dot)
                   : std::string();
    };
    for (const auto& n : names_in(root / "participants")) {
        if (auto id = stem(n, ".json"); !id.empty())
            ids.insert(id);
        else
            hold(s, root, "participants/" + n, false);  // e.g. a .corrupt-N copy
    }
    for (const auto& n : names_in(root / ".ems/journal"))
        if (auto id = stem(n, ".jnl"); !id.empty()) ids.insert(id);
    for (const auto& id : ids) {
        const auto lock = root / ".ems/locks" / ("participants-" + id + ".lock");
        const int lfd = open(lock.c_str(), O_RDONLY | O_CLOEXEC);
        if (lfd >= 0) flock(lfd, LOCK_SH);
        try {
            hold(s, root, "participants/" + id + ".json", false);
            hold(s, root, ".ems/journal/" + id + ".jnl", true);
        } catch (...) {
            if (lfd >= 0) close(lfd);
            throw;
        }
        if (lfd >= 0) close(lfd);
    }
}

std::vector<std::string> app_tables(db::Db& db) {
    std::vector<std::string> out;
    for (const auto& r :
         db.query("SELECT table_name AS t FROM information_schema.TABLES WHERE table_schema = "
                  "DATABASE() AND (table_name IN ('user_credentials', 'events', "
                  "'event_participants') OR table_name LIKE 'ems\\_%') ORDER BY table_name"))
        out.push_back(r.str("t"));
    if (std::find(out.begin(), out.end(), "events") == out.end())
        throw Failure("the database has no events table: is db_name the app's database?");
    return out;
}

int unnamed_file(const std::string& dir) {
    int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
        fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno("a temporary file in " + dir, errno);
    return fd;
}

void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail_errno("writing the database dump to a temporary file", errno);
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

}  // namespace

void take_snapshot(const Config& config, const std::string& tmp_dir, Snapshot& s) {
    const fs::path root = config.storage_root;
    if (!fs::is_directory(root)) throw Failure("storage folder " + root.string() + " not found");
    db::Db db(admin_db_options(config));
    s.tables = app_tables(db);
    s.schema_version = schema::current_version(db);
    s.dump_fd = unnamed_file(tmp_dir);

    std::vector<std::string> argv{"stdbuf", "-oL", "mariadb-dump"};
    for (auto& a : client_args(config)) argv.push_back(a);
    for (const char* a : {"--single-transaction", "--hex-blob", "--no-tablespaces",
                          "--default-character-set=utf8mb4"})
        argv.push_back(a);
    argv.push_back(config.db_name);
    for (const auto& t : s.tables) argv.push_back(t);

    db.begin();
    bool paused = true;
    try {
        db.query("SELECT eventid FROM events ORDER BY eventid FOR UPDATE");
        const auto t0 = std::chrono::steady_clock::now();
        Pipe out;
        Child dump(argv, -1, out.write, client_env(config));
        out.close_write();
        RowCounter rows;
        std::vector<char> buf(1 << 16);
        for (;;) {
            const ssize_t n = read(out.read, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail_errno("reading mariadb-dump's output", errno);
            if (n == 0) break;
            write_all(s.dump_fd, buf.data(), static_cast<std::size_t>(n));
            s.dump_size += static_cast<std::uint64_t>(n);
            rows.add({buf.data(), static_cast<std::size_t>(n)});
            if (paused && rows.saw_table()) {
                hold_storage(s, root);
                db.rollback();
                paused = false;
                s.pause_ms =
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
            }
        }
        rows.finish();
        std::string error;
        if (!dump.wait(error)) throw Failure("mariadb-dump: " + error);
        if (paused) throw Failure("mariadb-dump wrote no table");
        s.table_rows = rows.rows();
        for (const auto& t : s.tables) s.table_rows.try_emplace(t, 0);
    } catch (...) {
        if (paused) db.rollback();
        throw;
    }
}

}  // namespace ems::backup
