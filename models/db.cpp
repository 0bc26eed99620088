#include "models/db.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <charconv>

#include "models/statement.hpp"

namespace ems::db {

long long Row::num(std::size_t i) const {
    const auto& c = cols_.at(i);
    if (!c) return 0;
    long long n = 0;
    std::from_chars(c->data(), c->data() + c->size(), n);
    return n;
}

bool is_connection_lost(unsigned code) {
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == 4031 /* idle timeout */
           || code == ER_CONNECTION_KILLED;
}

Db::Db(Options options) : options_(std::move(options)) { connect(); }

Db::~Db() { disconnect(); }

void Db::connect() {
    conn_ = mysql_init(nullptr);
    if (!conn_) throw DbError(0, "mysql_init failed");
    mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned timeout = 5;
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    const char* sock = options_.socket.empty() ? nullptr : options_.socket.c_str();
    const char* host = sock ? "localhost" : options_.host.c_str();
    if (!mysql_real_connect(conn_, host, options_.user.c_str(), options_.password.c_str(),
                            options_.database.c_str(), options_.port, sock, 0)) {
        const unsigned code = mysql_errno(conn_);
        const std::string msg = mysql_error(conn_);
        disconnect();
        throw DbError(code, "cannot connect to MariaDB: " + msg);
    }
    exec_plain("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci");
    exec_plain("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'");
}

void Db::disconnect() noexcept {
    statements_.clear();
    if (conn_) mysql_close(conn_);
    conn_ = nullptr;
    in_transaction_ = false;
}

Statement& Db::prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<Statement>(conn_, sql)).first;
    return *it->second;
}

template <typename F>
auto Db::with_retry(F&& f) -> decltype(f()) {
    try {
        if (!conn_) connect();
        return f();
    } catch (const DbError& e) {
        // Inside a transaction the lost work cannot be replayed here: the
        // caller's Transaction rolls back and the error reaches the boundary.
        if (in_transaction_ || !is_connection_lost(e.code)) throw;
        disconnect();
        connect();
        return f();
    }
}

std::vector<Row> Db::query(const std::string& sql, const Params& params) {
    return with_retry([&] {
        auto& st = prepare(sql);
        st.execute(params);
        return st.fetch_all();
    });
}

std::optional<Row> Db::query_one(const std::string& sql, const Params& params) {
    auto rows = query(sql, params);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::uint64_t Db::exec(const std::string& sql, const Params& params) {
    return with_retry([&] {
        auto& st = prepare(sql);
        st.execute(params);
        st.fetch_all();
        last_insert_id_ = st.insert_id();
        return st.affected_rows();
    });
}

void Db::exec_plain(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0)
        throw DbError(mysql_errno(conn_), std::string("query failed: ") + mysql_error(conn_));
    if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
}

void Db::begin() {
    with_retry([&] {
        exec_plain("START TRANSACTION");
        return 0;
    });
    in_transaction_ = true;
}

void Db::commit() {
    in_transaction_ = false;
    exec_plain("COMMIT");
}

void Db::rollback() noexcept {
    in_transaction_ = false;
    if (conn_ && mysql_real_query(conn_, "ROLLBACK", 8) != 0) disconnect();
}

NamedLock::NamedLock(Db& db, std::string name, int timeout_s) : db_(db), name_(std::move(name)) {
    const auto row = db_.query_one("SELECT GET_LOCK(?, ?)", {name_, static_cast<long long>(timeout_s)});
    if (!row || row->num(0) != 1) throw DbError(0, "could not take the lock " + name_);
}

NamedLock::~NamedLock() {
    try {
        db_.query("SELECT RELEASE_LOCK(?)", {name_});
    } catch (...) {
        // A lost connection has released the lock already.
    }
}

bool Db::ping() noexcept {
    try {
        query("SELECT 1");
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace ems::db
