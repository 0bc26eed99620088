// The one Boost.Test main of bin/model_tests and its global fixture: a
// database and a storage folder of its own for the whole run (see
// model_fixture.hpp). The cases live in the other *_test.cpp files here.
#define BOOST_TEST_MODULE ems_model
#define BOOST_TEST_DYN_LINK
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "core/log.hpp"
#include "models/account.hpp"
#include "models/schema.hpp"
#include "tests/model/model_fixture.hpp"

namespace ems::test {
namespace {

// The variable, or `fallback`; neither is a setup error that says what to do.
std::string env(const char* name, const char* fallback = nullptr) {
    const char* v = std::getenv(name);
    const char* value = v && *v ? v : fallback;
    if (!value)
        throw std::runtime_error(std::string("model tests: ") + name +
                                 " is not set; source a test stack's stack.env first (scripts/"
                                 "stack.sh start DIR; set -a; . DIR/stack.env; set +a)");
    return value;
}

// A run that crashed kept its database: drop those whose process is gone.
void drop_stale_databases(db::Db& admin) {
    const auto rows = admin.query(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA "
        "WHERE SCHEMA_NAME LIKE 'ems\\_model\\_%'");
    for (const auto& row : rows) {
        const auto name = row.str("name");
        const auto digits = name.substr(std::string("ems_model_").size());
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto pid = static_cast<pid_t>(std::stol(digits));
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // still running (or not ours)
        admin.exec_plain("DROP DATABASE IF EXISTS `" + name + "`");
    }
}

struct State {
    std::unique_ptr<db::Db> admin;  // on the stack's database, to create and drop ours
    std::string database;
    std::filesystem::path dir;
    std::unique_ptr<ConfigStore> store;
};
State* state = nullptr;

}  // namespace

struct ModelDatabase {
    void setup() {
        state = new State;
        // The stack's settings as the app would read them (EMS_* included),
        // then the connection of stack.env and our own database and folders.
        Config c = Config::load("");
        c.db_socket = env("DB_SOCKET", "");
        c.db_host = "127.0.0.1";
        c.db_port = std::stoi(env("DB_PORT", "3306"));
        c.db_user = env("DB_USER");
        c.db_password = env("DB_PASSWORD");
        c.db_name = env("DB_NAME", "ems");
        state->admin = std::make_unique<db::Db>(db_options(c));

        // ems_%: the databases stack.sh grants the ems user beside its own.
        drop_stale_databases(*state->admin);
        state->database = "ems_model_" + std::to_string(::getpid());
        state->admin->exec_plain("DROP DATABASE IF EXISTS `" + state->database + "`");
        state->admin->exec_plain("CREATE DATABASE `" + state->database +
                                 "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");

        char tmpl[] = "/tmp/ems-model-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("model tests: mkdtemp failed");
        state->dir = tmpl;
        for (const char* sub : {"storage", "uploads", "outbox", "log"})
            std::filesystem::create_directories(state->dir / sub);
        c.db_name = state->database;
        c.storage_root = state->dir / "storage";
        c.uploads_dir = state->dir / "uploads";
        c.outbox_dir = state->dir / "outbox";
        c.log_dir = state->dir / "log";
        log::open(c.log_dir);
        state->store = std::make_unique<ConfigStore>(c);

        // What ems-fcgi does before it serves (cmd/ems-fcgi.cpp).
        schema::check_durability(state->store->db());
        const int applied = schema::migrate(state->store->db());
        BOOST_TEST_MESSAGE("model tests: database " << state->database << ", " << applied
                                                    << " migration(s), storage " << state->dir);
        if (schema::current_version(state->store->db()) != schema::latest_version())
            throw std::runtime_error("model tests: the schema did not reach the latest version");
    }

    void teardown() {
        if (!state) return;
        state->store.reset();  // its connection goes before the database
        if (state->admin && !state->database.empty())
            state->admin->exec_plain("DROP DATABASE IF EXISTS `" + state->database + "`");
        std::error_code ec;
        if (!state->dir.empty()) std::filesystem::remove_all(state->dir, ec);
        delete state;
        state = nullptr;
    }
};

BOOST_TEST_GLOBAL_FIXTURE(ModelDatabase);

ConfigStore& store() {
    if (!state || !state->store) throw std::logic_error("model tests: no fixture");
    return *state->store;
}

std::filesystem::path storage_root() {
    return store().config().storage_root;
}

std::string unique_email(const std::string& stem) {
    static std::atomic<int> n{0};
    return stem + "." + std::to_string(++n) + "." + std::to_string(::getpid()) + "@model.test";
}

User make_user(const std::string& fname) {
    account::NewUser u;
    u.email = unique_email(fname);
    u.fname = fname;
    u.lname = "Model";
    // Never checked here: the models store the hash they are given.
    u.password_hash = "$2y$10$modeltestsmodeltestsmoeuMf2sQyq7YQf5sIUZ0ZQ1gq6cDq3Ka";
    const auto made = account::create_user(store(), u);
    if (made.outcome != account::SignUp::created)
        throw std::runtime_error("make_user: " + u.email + " was not created");
    auto user = find_user(store().db(), made.uid);
    if (!user) throw std::runtime_error("make_user: no row for uid " + made.uid);
    return *user;
}

events::EventInput event_input(const std::string& name, const events::Settings& s) {
    events::EventInput in;
    in.name = name;
    in.startdate = "2031-05-01 09:00:00";
    in.enddate = "2031-05-01 17:00:00";
    in.location = "Room 1";
    in.shortinfo = "About " + name;
    in.settings = s;
    return in;
}

std::int64_t make_event(const User& creator, const events::Settings& s, const std::string& name) {
    return events::create_event(store(), event_input(name, s), creator).id;
}

long long scalar(const std::string& sql, const db::Params& params) {
    const auto row = store().db().query_one(sql, params);
    if (!row) throw std::runtime_error("scalar: no row for " + sql);
    return row->num(0);
}

}  // namespace ems::test

namespace ems::account {
std::ostream& operator<<(std::ostream& out, SignUp s) {
    switch (s) {
        case SignUp::created:
            return out << "created";
        case SignUp::replayed:
            return out << "replayed";
        case SignUp::email_taken:
            return out << "email_taken";
    }
    return out << "SignUp(" << static_cast<int>(s) << ")";
}
}  // namespace ems::account

namespace ems::events {
std::ostream& operator<<(std::ostream& out, Outcome o) {
    static const char* const names[] = {"registered", "pending",        "already_registered",
                                        "full",       "closed",         "unavailable",
                                        "not_found",  "not_registered", "done"};
    const auto i = static_cast<std::size_t>(o);
    if (i < std::size(names)) return out << names[i];
    return out << "Outcome(" << i << ")";
}
}  // namespace ems::events

namespace ems::schema {
std::ostream& operator<<(std::ostream& out, UidKind k) {
    return out << (k == UidKind::integer ? "integer" : "guid");
}
}  // namespace ems::schema
