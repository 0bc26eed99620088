// restore FILE [--force]: into an empty database and empty storage and
// uploads folders (the configuration's), then `check`. The archive is read
// twice: once to verify it whole (age authenticates each chunk, so a cut or
// altered archive is known only at its end), nothing written; then to
// write. A failure while writing removes what this run wrote, or says
// exactly what is left. Run as root against folders owned by another user
// (www-data), every file and folder written is given to that user.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>

#include "cmd/admin_backup.hpp"
#include "cmd/backup_snapshot.hpp"
#include "models/config_store.hpp"
#include "models/event_check.hpp"

namespace fs = std::filesystem;

namespace ems::backup {
namespace {

// The owner files must have: that of the folder (or of its nearest existing
// parent). Only root can give files away; anyone else writes as itself.
struct Owner {
    bool chown = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

Owner owner_of(fs::path p) {
    struct stat st {};
    while (stat(p.c_str(), &st) != 0 && p.has_parent_path() && p != p.parent_path())
        p = p.parent_path();
    return {geteuid() == 0 && st.st_uid != 0, st.st_uid, st.st_gid};
}

// Files under `dir` that make it "not empty" (lock files and the audit log
// are not data).
std::vector<std::string> data_files(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto rel = fs::relative(it->path(), dir).string();
        if (rel.rfind(".ems/locks/", 0) == 0 || rel.rfind("logs/", 0) == 0) continue;
        if (!it->is_directory()) out.push_back(rel);
    }
    if (ec) throw Failure("reading " + dir.string() + ": " + ec.message());
    return out;
}

std::string quoted_name(const std::string& db) {
    for (char c : db)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$')
            throw Failure("db_name '" + db +
                          "': restore handles names of letters, digits, _ and $");
    return "`" + db + "`";
}

// Writes the archive's entries into the target; remembers what it made.
class Restorer : public Sink {
  public:
    Restorer(const Config& c, const Manifest& m, Owner o) : config_(c), manifest_(m), owner_(o) {}

    void begin(const std::string& path, std::uint64_t, unsigned mode) override {
        sum_ = std::make_unique<Sha256>();
        path_ = path;
        if (path == "dump.sql") {
            sql_ = std::make_unique<Pipe>();
            std::vector<std::string> argv{"mariadb"};
            for (auto& a : client_args(config_)) argv.push_back(a);
            argv.push_back("--database=" + config_.db_name);
            mariadb_ = std::make_unique<Child>(argv, sql_->read, -1, client_env(config_));
            sql_->close_read();
            tables_loading_ = true;
            return;
        }
        fs::path target;
        if (path.rfind("storage/", 0) == 0)
            target = fs::path(config_.storage_root) / path.substr(8);
        else if (path.rfind("uploads/", 0) == 0)
            target = fs::path(config_.uploads_dir) / path.substr(8);
        else
            throw Failure("the archive has " + path + ", which is neither storage/ nor uploads/");
        make_dirs(target.parent_path(), path.rfind("uploads/", 0) == 0 ? 0755 : 0750);
        fd_ = open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                   mode & 0777);
        if (fd_ < 0) fail_errno("writing " + target.string(), errno);
        files_.push_back(target);
        fchmod(fd_, mode & 0777);
        if (owner_.chown && fchown(fd_, owner_.uid, owner_.gid) != 0)
            fail_errno("giving " + target.string() + " to its folder's owner", errno);
    }

    void data(const char* p, std::size_t n) override {
        sum_->add(p, n);
        const int fd = sql_ ? sql_->write : fd_;
        while (n > 0) {
            const ssize_t w = write(fd, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                if (sql_) finish_sql(errno);
                fail_errno("writing " + path_, errno);
            }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }

    void end() override {
        // The same bytes as the verified pass, or the archive changed since.
        const auto& want = manifest_.files.at(path_);
        if (sum_->hex() != want.sha256) throw Failure(path_ + " changed since it was verified");
        if (sql_) {
            finish_sql(0);
            return;
        }
        if (fsync(fd_) != 0) fail_errno("writing " + files_.back().string(), errno);
        close(fd_);
        fd_ = -1;
    }

    // Before the database is touched: both folders exist and take a file.
    void probe() {
        for (const auto& [dir, mode] : {std::pair{fs::path(config_.storage_root), 0750u},
                                        {fs::path(config_.uploads_dir), 0755u}}) {
            make_dirs(dir, mode);
            const int fd = open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
            if (fd < 0 && errno != EOPNOTSUPP) fail_errno("writing in " + dir.string(), errno);
            if (fd >= 0) close(fd);
        }
    }

    // After a failure: removes what this run wrote; says what is left.
    std::string undo(db::Db* db, bool db_was_empty) {
        if (fd_ >= 0) close(fd_), fd_ = -1;
        std::size_t removed = 0, kept = 0;
        for (auto it = files_.rbegin(); it != files_.rend(); ++it)
            (unlink(it->c_str()) == 0 ? removed : kept)++;
        for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) rmdir(it->c_str());
        std::string said = "removed the " + std::to_string(removed) + " files it had written";
        if (kept) said += " (" + std::to_string(kept) + " could not be removed)";
        if (!tables_loading_) return said + "; the database was not touched";
        if (db && db_was_empty) {
            try {
                for (const auto& [t, n] : manifest_.table_rows)
                    db->exec_plain("DROP TABLE IF EXISTS `" + t + "`");
                return said + " and dropped the tables it had loaded: the target is empty again";
            } catch (const std::exception& e) {
                return said + "; dropping the loaded tables failed (" + e.what() +
                       "): drop them by hand";
            }
        }
        return said + "; the database's tables named in the archive may be partly replaced";
    }

  private:
    void make_dirs(const fs::path& dir, unsigned mode) {
        if (dir.empty() || fs::is_directory(dir)) return;
        make_dirs(dir.parent_path(), mode);
        if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST)
            fail_errno("creating " + dir.string(), errno);
        dirs_.push_back(dir);
        chmod(dir.c_str(), mode);
        if (owner_.chown && lchown(dir.c_str(), owner_.uid, owner_.gid) != 0)
            fail_errno("giving " + dir.string() + " to its folder's owner", errno);
    }

    void finish_sql(int write_error) {
        sql_->close_write();
        std::string error;
        const bool ok = mariadb_->wait(error);
        sql_.reset();
        mariadb_.reset();
        if (!ok) throw Failure("loading dump.sql with mariadb: " + error);
        if (write_error) fail_errno("loading dump.sql with mariadb", write_error);
    }

    const Config& config_;
    const Manifest& manifest_;
    Owner owner_;
    std::unique_ptr<Sha256> sum_;
    std::unique_ptr<Pipe> sql_;
    std::unique_ptr<Child> mariadb_;
    std::string path_;
    int fd_ = -1;
    std::vector<fs::path> files_, dirs_;
    bool tables_loading_ = false;
};

// Refuses a target holding data unless --force; with --force, the storage's
// data is moved aside (never deleted) and the dump replaces its tables.
void prepare_target(const Config& config, db::Db& db, bool force, bool& db_was_empty) {
    const auto tables = db.query(
        "SELECT table_name AS t FROM information_schema.TABLES WHERE table_schema = DATABASE()");
    db_was_empty = tables.empty();
    const auto files = data_files(config.storage_root);
    const auto uploads = data_files(config.uploads_dir);
    if (!force) {
        if (!tables.empty())
            throw Failure(
                "database " + config.db_name + " is not empty (" + std::to_string(tables.size()) +
                " tables, e.g. " + tables[0].str("t") +
                "): restore into an empty database, or add --force to replace its tables");
        if (!files.empty() || !uploads.empty())
            throw Failure("the target folders are not empty (" +
                          (files.empty() ? config.uploads_dir + "/" + uploads[0]
                                         : config.storage_root + "/" + files[0]) +
                          ", ...): restore into empty folders, or add --force");
        return;
    }
    if (files.empty()) return;
    const fs::path root = config.storage_root;
    const auto aside = root / ".ems" / ("replaced-" + std::to_string(::time(nullptr)));
    fs::create_directories(aside);
    for (const char* part :
         {"users", "events", "participants", ".ems/journal", ".ems/damaged", ".ems/orphans"}) {
        if (!fs::exists(root / part)) continue;
        fs::create_directories((aside / part).parent_path());
        fs::rename(root / part, aside / part);
    }
    std::cout << "--force: the storage's previous files were moved to " << aside.string() << "\n";
}

// Gives every file and folder under `dir` to the owner (after `check`,
// which may have made lock files as root).
void give_tree(const fs::path& dir, Owner owner) {
    std::error_code ec;
    if (!owner.chown || !fs::exists(dir, ec)) return;
    if (lchown(dir.c_str(), owner.uid, owner.gid) != 0)
        fail_errno("giving " + dir.string() + " to its owner", errno);
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (lchown(it->path().c_str(), owner.uid, owner.gid) != 0)
            fail_errno("giving " + it->path().string() + " to its folder's owner", errno);
}

Owner restore(const Config& config, const std::string& file, bool force) {
    class NullSink : public Sink {
        void begin(const std::string&, std::uint64_t, unsigned) override {}
        void data(const char*, std::size_t) override {}
        void end() override {}
    } none;
    const Manifest manifest = read_archive(config, file, none);
    std::cout << file << ": verified (" << summary(manifest) << ", made " << manifest.created_at
              << ")\n";

    auto admin = admin_db_options(config);
    const auto name = quoted_name(config.db_name);
    admin.database.clear();
    {
        db::Db server(admin);
        server.exec_plain("CREATE DATABASE IF NOT EXISTS " + name +
                          " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
    }
    db::Db db(admin_db_options(config));
    bool db_was_empty = false;
    prepare_target(config, db, force, db_was_empty);
    const Owner owner = owner_of(config.storage_root);
    Restorer writer(config, manifest, owner);
    try {
        writer.probe();
        read_archive(config, file, writer);
    } catch (const std::exception& e) {
        throw Failure(std::string(e.what()) + "; the restore " + writer.undo(&db, db_was_empty));
    }
    std::cout << "restored into database " << config.db_name << ", " << config.storage_root
              << " and " << config.uploads_dir
              << (owner.chown ? " (files given to uid " + std::to_string(owner.uid) + ")" : "")
              << "\n";
    return owner;
}

}  // namespace

int restore_command(int argc, char** argv, const std::string& config_path) {
    std::optional<std::string> file;
    bool force = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--force") {
            force = true;
        } else if (!file && a.rfind("--", 0) != 0) {
            file = a;
        } else {
            std::cerr << "ems-admin restore: unknown option " << a << "\n";
            return 2;
        }
    }
    if (!file) {
        std::cerr << "ems-admin restore: FILE is required\n";
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    try {
        const auto config = Config::load(config_path);
        const Owner owner = restore(config, *file, force);
        ConfigStore store(config);
        const auto report = events::check_consistency(store.db(), store.files(), false);
        events::print_text(report, std::cout);
        give_tree(config.storage_root, owner);
        give_tree(config.uploads_dir, owner_of(config.uploads_dir));
        if (report.exit_code() != 0)
            std::cerr << "ems-admin restore: restored, but check found problems (above)\n";
        return report.exit_code();
    } catch (const std::exception& e) {
        std::cerr << "ems-admin restore: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace ems::backup
