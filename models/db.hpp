// The MariaDB layer: one RAII connection per worker, prepared statements
// only (cached per connection, owning their bind buffers), a transaction
// guard, and connect/read/write/lock-wait timeouts.
//
// Retries: only what cannot change data is re-run after a lost connection
// (query() and START TRANSACTION, once, outside a transaction). exec() and
// COMMIT are never re-run: the server may have applied them before the
// connection dropped, so the error reaches the caller, which reads back
// (see CommitUnknown). The next use of the Db reconnects by itself.
#pragma once
#include <mysql.h>

#include <boost/core/noncopyable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace ems::db {

struct DbError : std::runtime_error {
    DbError(unsigned code, const std::string& m) : std::runtime_error(m), code(code) {}
    unsigned code;  // the server's or client's error number (1062: duplicate key)
    bool duplicate_key() const { return code == 1062; }
    bool lock_wait_timeout() const { return code == 1205; }
};

// The connection was lost while COMMIT ran: the transaction may or may not
// have been committed. Callers that must answer truthfully read back (with a
// locking read, which waits for a server thread still finishing it).
struct CommitUnknown : DbError {
    using DbError::DbError;
};

using Param = std::variant<std::nullptr_t, long long, std::string>;
using Params = std::vector<Param>;

using ColumnNames = std::shared_ptr<const std::vector<std::string>>;

// A result row: every column as text (NULL as nullopt), converted on access.
// Read columns by name (the column's name or its `AS` alias in the query);
// a name the query does not have throws std::out_of_range.
class Row {
  public:
    explicit Row(std::vector<std::optional<std::string>> cols, ColumnNames names = {})
        : cols_(std::move(cols)), names_(std::move(names)) {}
    bool is_null(std::size_t i) const { return !cols_.at(i).has_value(); }
    std::string str(std::size_t i) const { return cols_.at(i).value_or(std::string()); }
    long long num(std::size_t i) const;
    bool is_null(std::string_view name) const { return is_null(index(name)); }
    std::string str(std::string_view name) const { return str(index(name)); }
    long long num(std::string_view name) const { return num(index(name)); }
    std::size_t size() const { return cols_.size(); }

  private:
    std::size_t index(std::string_view name) const;

    std::vector<std::optional<std::string>> cols_;
    ColumnNames names_;  // shared by the rows of one result
};

// One struct's columns: the SELECT list and the row -> struct mapping come
// from one list of (SQL expression, member), so no column is read by
// position by hand. Each expression is selected AS its member's name.
template <typename T>
class RowMapping {
  public:
    using Member = std::variant<std::string T::*, std::int64_t T::*, long long T::*, bool T::*>;
    struct Column {
        // A plain column, read back by its own name.
        Column(const char* column, Member m) : sql(column), name(column), member(m) {}
        // An expression, e.g. "CAST(uid AS CHAR)", read back by the alias `name`.
        Column(const char* expression, const char* alias, Member m)
            : sql(expression), name(alias), member(m) {}
        const char* sql;
        const char* name;
        Member member;
    };
    RowMapping(std::initializer_list<Column> columns) : columns_(columns) {}

    // "a AS `a`, CAST(b AS CHAR) AS `b`, ..."
    std::string select_list() const {
        std::string out;
        for (const auto& c : columns_) {
            if (!out.empty()) out += ", ";
            out += std::string(c.sql) + " AS `" + c.name + "`";
        }
        return out;
    }
    T read(const Row& r) const {
        T out{};
        for (const auto& c : columns_) {
            std::visit(
                [&](auto member) {
                    using V = std::remove_reference_t<decltype(out.*member)>;
                    if constexpr (std::is_same_v<V, std::string>)
                        out.*member = r.str(c.name);
                    else if constexpr (std::is_same_v<V, bool>)
                        out.*member = r.num(c.name) != 0;
                    else
                        out.*member = static_cast<V>(r.num(c.name));
                },
                c.member);
        }
        return out;
    }

  private:
    std::vector<Column> columns_;
};

struct Options {
    std::string host = "127.0.0.1", socket, user, password, database;
    unsigned port = 3306;
    // Seconds; 0 leaves the client library's or server's default.
    unsigned connect_timeout = 3, read_timeout = 10, write_timeout = 10, lock_wait_timeout = 5;
};

class Statement;

// One connection: neither copyable nor movable (statements point into it).
class Db : boost::noncopyable {
  public:
    explicit Db(Options options);
    ~Db();

    // Reads: re-run once on a new connection when the connection was lost
    // outside a transaction.
    std::vector<Row> query(const std::string& sql, const Params& params = {});
    std::optional<Row> query_one(const std::string& sql, const Params& params = {});
    // Runs a statement that may change data; returns the number of affected
    // rows. Never re-run: a lost connection throws (is_connection_lost).
    std::uint64_t exec(const std::string& sql, const Params& params = {});
    std::uint64_t last_insert_id() const { return last_insert_id_; }
    // Plain statements without parameters (DDL, SET): no prepared form needed.
    void exec_plain(const std::string& sql);
    void begin();
    // Throws CommitUnknown when the connection is lost during COMMIT.
    void commit();
    void rollback() noexcept;

  private:
    void connect();
    void disconnect() noexcept;
    Statement& prepare(const std::string& sql);
    void ensure_connected();
    void raw_plain(const std::string& sql);
    // Forgets a connection that failed with a lost-connection error, so the
    // next use reconnects; rethrows e.
    [[noreturn]] void lost(const DbError& e);
    template <typename F>
    auto with_retry(F&& f) -> decltype(f());

    Options options_;
    MYSQL* conn_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>> statements_;
    std::uint64_t last_insert_id_ = 0;
    bool connected_before_ = false;  // a later connect is a reconnect (metrics)
    bool in_transaction_ = false;
    std::chrono::steady_clock::time_point last_used_;
};

// Rolls back unless commit() ran; the destructor never throws.
class Transaction {
  public:
    explicit Transaction(Db& db) : db_(db) { db_.begin(); }
    ~Transaction() {
        if (!done_) db_.rollback();
    }
    void commit() {
        db_.commit();
        done_ = true;
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

  private:
    Db& db_;
    bool done_ = false;
};

// Lost connection (2006, 2013, 1927 killed, 4031 idle timeout) or no
// connection to be had (2002, 2003): the site recovers by reconnecting.
bool is_connection_lost(unsigned code);

}  // namespace ems::db
