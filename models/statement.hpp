// One prepared MYSQL_STMT and the buffers its binds point into.
#pragma once
#include <mysql.h>

#include "models/db.hpp"

namespace ems::db {

class Statement {
  public:
    Statement(MYSQL* conn, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds, executes and, when the statement has a result, fetches all rows.
    void execute(const Params& params);
    std::vector<Row> fetch_all();
    std::uint64_t affected_rows() const;
    std::uint64_t insert_id() const;

  private:
    [[noreturn]] void fail(const std::string& what) const;

    MYSQL_STMT* stmt_ = nullptr;
    std::string sql_;
    // Parameter buffers: kept alive until execute() returns.
    std::vector<MYSQL_BIND> param_binds_;
    std::vector<long long> param_ints_;
    std::vector<std::string> param_strs_;
};

}  // namespace ems::db
