#include "models/statement.hpp"

#include <cstring>

namespace ems::db {

Statement::Statement(MYSQL* conn, const std::string& sql) : sql_(sql) {
    stmt_ = mysql_stmt_init(conn);
    if (!stmt_) throw DbError(mysql_errno(conn), "mysql_stmt_init failed");
    if (mysql_stmt_prepare(stmt_, sql.data(), sql.size()) != 0) fail("prepare");
    // mysql_stmt_store_result() then sets each column's max_length, so
    // fetch_all() can size each column's buffer before fetching.
    my_bool update_max = 1;
    mysql_stmt_attr_set(stmt_, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
}

Statement::~Statement() {
    if (stmt_) mysql_stmt_close(stmt_);
}

void Statement::fail(const std::string& what) const {
    throw DbError(mysql_stmt_errno(stmt_),
                  what + " failed: " + mysql_stmt_error(stmt_) + " [" + sql_.substr(0, 200) + "]");
}

void Statement::execute(const Params& params) {
    const auto n = params.size();
    if (n != mysql_stmt_param_count(stmt_))
        throw DbError(0, "parameter count mismatch for [" + sql_.substr(0, 200) + "]");
    param_binds_.assign(n, MYSQL_BIND{});
    param_ints_.assign(n, 0);
    param_strs_.assign(n, std::string());
    for (std::size_t i = 0; i < n; ++i) {
        auto& b = param_binds_[i];
        if (std::holds_alternative<std::nullptr_t>(params[i])) {
            b.buffer_type = MYSQL_TYPE_NULL;
        } else if (const auto* v = std::get_if<long long>(&params[i])) {
            param_ints_[i] = *v;
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &param_ints_[i];
        } else {
            param_strs_[i] = std::get<std::string>(params[i]);
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = param_strs_[i].data();
            b.buffer_length = param_strs_[i].size();
        }
    }
    if (n && mysql_stmt_bind_param(stmt_, param_binds_.data()) != 0) fail("bind");
    if (mysql_stmt_execute(stmt_) != 0) fail("execute");
}

std::vector<Row> Statement::fetch_all() {
    std::vector<Row> rows;
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt_);
    if (!meta) return rows;
    const unsigned ncols = mysql_num_fields(meta);
    if (mysql_stmt_store_result(stmt_) != 0) {
        mysql_free_result(meta);
        fail("store_result");
    }
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    std::vector<MYSQL_BIND> binds(ncols);
    std::vector<std::vector<char>> bufs(ncols);
    std::vector<unsigned long> lengths(ncols);
    std::vector<my_bool> nulls(ncols);
    auto names = std::make_shared<std::vector<std::string>>();
    for (unsigned i = 0; i < ncols; ++i) {
        names->emplace_back(fields[i].name, fields[i].name_length);
        // max_length is known after store_result; +1 avoids zero-size buffers.
        bufs[i].resize(std::max<unsigned long>(fields[i].max_length, 64) + 1);
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].buffer = bufs[i].data();
        binds[i].buffer_length = bufs[i].size();
        binds[i].length = &lengths[i];
        binds[i].is_null = &nulls[i];
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(stmt_, binds.data()) != 0) fail("bind_result");
    for (;;) {
        const int rc = mysql_stmt_fetch(stmt_);
        if (rc == MYSQL_NO_DATA) break;
        if (rc == 1) fail("fetch");
        std::vector<std::optional<std::string>> cols(ncols);
        for (unsigned i = 0; i < ncols; ++i) {
            if (nulls[i]) continue;
            if (lengths[i] > bufs[i].size()) {  // MYSQL_DATA_TRUNCATED: fetch the column again
                std::string full(lengths[i], '\0');
                MYSQL_BIND b{};
                b.buffer_type = MYSQL_TYPE_STRING;
                b.buffer = full.data();
                b.buffer_length = full.size();
                if (mysql_stmt_fetch_column(stmt_, &b, i, 0) != 0) fail("fetch_column");
                cols[i] = std::move(full);
            } else {
                cols[i] = std::string(bufs[i].data(), lengths[i]);
            }
        }
        rows.emplace_back(std::move(cols), names);
    }
    mysql_stmt_free_result(stmt_);
    return rows;
}

std::uint64_t Statement::affected_rows() const {
    return mysql_stmt_affected_rows(stmt_);
}
std::uint64_t Statement::insert_id() const {
    return mysql_stmt_insert_id(stmt_);
}

}  // namespace ems::db
