#include "models/db.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <charconv>
#include <chrono>

#include "core/pool_state.hpp"
#include "models/statement.hpp"

namespace ems::db {

long long Row::num(std::size_t i) const {
    const auto& c = cols_.at(i);
    if (!c) return 0;
    long long n = 0;
    std::from_chars(c->data(), c->data() + c->size(), n);
    return n;
}

std::size_t Row::index(std::string_view name) const {
    if (names_)
        for (std::size_t i = 0; i < names_->size(); ++i)
            if ((*names_)[i] == name) return i;
    throw std::out_of_range("no column " + std::string(name) + " in this result");
}

bool is_connection_lost(unsigned code) {
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == 4031 /* idle timeout */
           || code == ER_CONNECTION_KILLED || code == CR_CONNECTION_ERROR ||
           code == CR_CONN_HOST_ERROR;
}

namespace {

using Clock = std::chrono::steady_clock;

// A connection idle this long is pinged before a statement that must not be
// re-run: the server may have dropped it (wait_timeout, a restart), and a
// statement sent on it would fail without telling whether it ran.
constexpr auto idle_ping_after = std::chrono::seconds(5);

}  // namespace

Db::Db(Options options) : options_(std::move(options)) {
    connect();
}

Db::~Db() {
    disconnect();
}

void Db::connect() {
    if (connected_before_) pool_state::count_db_reconnect();
    connected_before_ = true;
    conn_ = mysql_init(nullptr);
    if (!conn_) throw DbError(0, "mysql_init failed");
    mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // Connector/C applies each timeout once per wait (it does not retry a
    // timed-out read as libmysqlclient 5.0 did), so a frozen server is
    // answered within read_timeout.
    for (const auto& [opt, value] : {std::pair{MYSQL_OPT_CONNECT_TIMEOUT, options_.connect_timeout},
                                     {MYSQL_OPT_READ_TIMEOUT, options_.read_timeout},
                                     {MYSQL_OPT_WRITE_TIMEOUT, options_.write_timeout}})
        if (value) mysql_options(conn_, opt, &value);
    const char* sock = options_.socket.empty() ? nullptr : options_.socket.c_str();
    const char* host = sock ? "localhost" : options_.host.c_str();
    if (!mysql_real_connect(conn_, host, options_.user.c_str(), options_.password.c_str(),
                            options_.database.c_str(), options_.port, sock, 0)) {
        const unsigned code = mysql_errno(conn_);
        const std::string msg = mysql_error(conn_);
        disconnect();
        throw DbError(code, "cannot connect to MariaDB: " + msg);
    }
    try {
        raw_plain("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci");
        std::string set = "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'";
        // A held row lock answers "busy" after this long instead of taking
        // every worker with it.
        if (options_.lock_wait_timeout)
            set += ", SESSION innodb_lock_wait_timeout = " +
                   std::to_string(options_.lock_wait_timeout);
        raw_plain(set);
    } catch (...) {
        disconnect();
        throw;
    }
    last_used_ = Clock::now();
}

void Db::disconnect() noexcept {
    statements_.clear();
    if (conn_) mysql_close(conn_);
    conn_ = nullptr;
}

void Db::ensure_connected() {
    if (conn_) return;
    // The server rolled the transaction back with the connection: running
    // the rest of it in autocommit on a new one would commit half of it.
    if (in_transaction_)
        throw DbError(CR_SERVER_LOST, "the connection was lost inside a transaction");
    connect();
}

void Db::lost(const DbError& e) {
    if (is_connection_lost(e.code)) disconnect();
    throw e;
}

Statement& Db::prepare(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end())
        it = statements_.emplace(sql, std::make_unique<Statement>(conn_, sql)).first;
    return *it->second;
}

// Runs f, and once more on a new connection when the connection was lost
// outside a transaction. Only for what cannot change data. Not after a
// timeout (a frozen server would be waited for twice) nor on a connection
// just opened (an unreachable server would be tried twice).
template <typename F>
auto Db::with_retry(F&& f) -> decltype(f()) {
    const bool fresh = !conn_;
    ensure_connected();
    const auto t0 = Clock::now();
    try {
        auto r = f();
        last_used_ = Clock::now();
        return r;
    } catch (const DbError& e) {
        const bool timed_out = options_.read_timeout &&
                               Clock::now() - t0 >= std::chrono::seconds(options_.read_timeout) -
                                                        std::chrono::milliseconds(500);
        if (!is_connection_lost(e.code) || in_transaction_ || fresh || timed_out) lost(e);
        disconnect();
        connect();
        auto r = f();
        last_used_ = Clock::now();
        return r;
    }
}

std::vector<Row> Db::query(const std::string& sql, const Params& params) {
    const pool_state::Scope timed(pool_state::Phase::db);
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
    const pool_state::Scope timed(pool_state::Phase::db);
    ensure_connected();
    if (!in_transaction_ && Clock::now() - last_used_ > idle_ping_after && mysql_ping(conn_) != 0) {
        disconnect();
        connect();
    }
    // Preparing changes nothing, so it may be retried like a read.
    Statement* st = nullptr;
    with_retry([&] {
        st = &prepare(sql);
        return 0;
    });
    try {
        st->execute(params);
        st->fetch_all();
    } catch (const DbError& e) {
        lost(e);
    }
    last_used_ = Clock::now();
    last_insert_id_ = st->insert_id();
    return st->affected_rows();
}

void Db::raw_plain(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0)
        throw DbError(mysql_errno(conn_), std::string("query failed: ") + mysql_error(conn_));
    if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
}

void Db::exec_plain(const std::string& sql) {
    const pool_state::Scope timed(pool_state::Phase::db);
    ensure_connected();
    try {
        raw_plain(sql);
    } catch (const DbError& e) {
        lost(e);
    }
    last_used_ = Clock::now();
}

void Db::begin() {
    const pool_state::Scope timed(pool_state::Phase::db);
    with_retry([&] {
        raw_plain("START TRANSACTION");
        return 0;
    });
    in_transaction_ = true;
}

void Db::commit() {
    const pool_state::Scope timed(pool_state::Phase::db);
    ensure_connected();  // throws when the transaction died with its connection
    in_transaction_ = false;
    try {
        raw_plain("COMMIT");
    } catch (const DbError& e) {
        if (!is_connection_lost(e.code)) throw;
        disconnect();
        throw CommitUnknown(e.code, std::string("connection lost during COMMIT: ") + e.what());
    }
    last_used_ = Clock::now();
}

void Db::rollback() noexcept {
    in_transaction_ = false;
    if (conn_ && mysql_real_query(conn_, "ROLLBACK", 8) != 0) disconnect();
}

}  // namespace ems::db
