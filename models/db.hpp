// The MariaDB layer: one RAII connection per worker, prepared statements
// only (cached per connection, owning their bind buffers), a transaction
// guard, and one reconnect after a lost connection outside a transaction.
#pragma once
#include <mysql.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace ems::db {

struct DbError : std::runtime_error {
    DbError(unsigned code, const std::string& m) : std::runtime_error(m), code(code) {}
    unsigned code;  // the server's or client's error number (1062: duplicate key)
};

using Param = std::variant<std::nullptr_t, long long, std::string>;
using Params = std::vector<Param>;

// A result row: every column as text (NULL as nullopt), converted on access.
class Row {
public:
    explicit Row(std::vector<std::optional<std::string>> cols) : cols_(std::move(cols)) {}
    bool is_null(std::size_t i) const { return !cols_.at(i).has_value(); }
    std::string str(std::size_t i) const { return cols_.at(i).value_or(std::string()); }
    long long num(std::size_t i) const;
    std::size_t size() const { return cols_.size(); }

private:
    std::vector<std::optional<std::string>> cols_;
};

struct Options {
    std::string host = "127.0.0.1", socket, user, password, database;
    unsigned port = 3306;
};

class Statement;

class Db {
public:
    explicit Db(Options options);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    std::vector<Row> query(const std::string& sql, const Params& params = {});
    std::optional<Row> query_one(const std::string& sql, const Params& params = {});
    // Runs a statement; returns the number of affected rows.
    std::uint64_t exec(const std::string& sql, const Params& params = {});
    std::uint64_t last_insert_id() const { return last_insert_id_; }
    // Plain statements without parameters (DDL, SET): no prepared form needed.
    void exec_plain(const std::string& sql);
    void begin();
    void commit();
    void rollback() noexcept;
    bool in_transaction() const { return in_transaction_; }
    bool ping() noexcept;
    MYSQL* handle() { return conn_; }

private:
    void connect();
    void disconnect() noexcept;
    Statement& prepare(const std::string& sql);
    template <typename F>
    auto with_retry(F&& f) -> decltype(f());

    Options options_;
    MYSQL* conn_ = nullptr;
    std::map<std::string, std::unique_ptr<Statement>> statements_;
    std::uint64_t last_insert_id_ = 0;
    bool in_transaction_ = false;
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

// A MariaDB named lock (GET_LOCK) held for the guard's lifetime: it
// serializes work across workers and hosts on one server. Throws DbError
// when the lock is not had within timeout_s; the destructor never throws.
class NamedLock {
public:
    NamedLock(Db& db, std::string name, int timeout_s);
    ~NamedLock();
    NamedLock(const NamedLock&) = delete;
    NamedLock& operator=(const NamedLock&) = delete;

private:
    Db& db_;
    std::string name_;
};

bool is_connection_lost(unsigned code);

}  // namespace ems::db
