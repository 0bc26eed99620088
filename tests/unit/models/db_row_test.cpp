// models/db: reading a result row by column name, and RowMapping (one list
// of columns gives the SELECT list and the row -> struct mapping). No
// server needed: rows are built as Statement::fetch_all builds them.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "models/db.hpp"

namespace {

using ems::db::Row;

Row row(std::vector<std::optional<std::string>> cols, std::vector<std::string> names) {
    return Row(std::move(cols), std::make_shared<const std::vector<std::string>>(std::move(names)));
}

struct Thing {
    std::int64_t id = 0;
    std::string name, owner;
    long long count = 0;
    bool active = false;
};

const ems::db::RowMapping<Thing> thing_row{{"id", &Thing::id},
                                           {"name", &Thing::name},
                                           {"CAST(owner AS CHAR)", "owner", &Thing::owner},
                                           {"count", &Thing::count},
                                           {"active", &Thing::active}};

}  // namespace

BOOST_AUTO_TEST_SUITE(models_db_row)

BOOST_AUTO_TEST_CASE(columns_are_read_by_name_or_index) {
    const auto r = row({"12", "Ann", std::nullopt}, {"uid", "name", "last_seen"});
    BOOST_TEST(r.num("uid") == 12);
    BOOST_TEST(r.str("name") == "Ann");
    BOOST_TEST(r.is_null("last_seen"));
    BOOST_TEST(r.num("last_seen") == 0);
    BOOST_TEST(r.str(1) == "Ann");
    BOOST_CHECK_THROW(r.str("nope"), std::out_of_range);
    BOOST_CHECK_THROW(Row({"1"}).num("uid"), std::out_of_range);  // no names: by index only
}

BOOST_AUTO_TEST_CASE(row_mapping_selects_each_column_as_its_name) {
    BOOST_TEST(thing_row.select_list() ==
               "id AS `id`, name AS `name`, CAST(owner AS CHAR) AS `owner`, count AS `count`, "
               "active AS `active`");
}

BOOST_AUTO_TEST_CASE(row_mapping_fills_each_member_whatever_the_column_order) {
    const auto t = thing_row.read(
        row({"1", "7", "x", "uid-9", "42"}, {"active", "count", "name", "owner", "id"}));
    BOOST_TEST(t.id == 42);
    BOOST_TEST(t.name == "x");
    BOOST_TEST(t.owner == "uid-9");
    BOOST_TEST(t.count == 7);
    BOOST_TEST(t.active);
    const auto off = thing_row.read(row({"0", std::nullopt, std::nullopt, "0", "1"},
                                        {"active", "count", "name", "owner", "id"}));
    BOOST_TEST(!off.active);
    BOOST_TEST(off.count == 0);
    BOOST_TEST(off.name.empty());
}

BOOST_AUTO_TEST_SUITE_END()
