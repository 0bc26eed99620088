// models/account.cpp against MariaDB: the row, the e-mail index and the
// user file; one account per e-mail, case-insensitively.
#define BOOST_TEST_DYN_LINK
#include "models/account.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "storage/php_json.hpp"
#include "tests/model/fixture.hpp"
#include "tests/model/helpers.hpp"

using ems::test::ModelFixture;

BOOST_FIXTURE_TEST_SUITE(account, ModelFixture)

BOOST_AUTO_TEST_CASE(create_user_writes_the_row_the_email_index_and_the_user_file) {
    const auto u = ems::test::make_user(*this, "ada@example.org");
    BOOST_TEST(u.email == "ada@example.org");
    BOOST_TEST(u.fname == "Ada");
    const auto idx = db().query_one("SELECT CAST(uid AS CHAR) FROM ems_user_emails WHERE email = ?",
                                    {std::string("ada@example.org")});
    BOOST_REQUIRE(idx);
    BOOST_TEST(idx->str(0) == u.uid);
    const auto file = root().path("storage/users/" + u.uid + ".json");
    BOOST_REQUIRE(std::filesystem::exists(file));
    BOOST_TEST(ems::test::slurp(file).find("ada@example.org") != std::string::npos);
    BOOST_TEST(ems::account::email_taken(db(), "ada@example.org"));
    BOOST_TEST(!ems::account::email_taken(db(), "bob@example.org"));
}

BOOST_AUTO_TEST_CASE(duplicate_email_in_any_case_is_email_taken_and_writes_nothing) {
    const auto first = ems::test::make_user(*this, "ada@example.org");
    ems::account::NewUser again;
    again.email = "ADA@Example.org";
    again.fname = "Other";
    again.password_hash = "x";
    const auto r = ems::account::create_user(*this, again);
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(ems::account::SignUp::email_taken));
    BOOST_TEST(db().query_one("SELECT COUNT(*) FROM user_credentials")->num(0) == 1);
    BOOST_TEST(db().query_one("SELECT COUNT(*) FROM ems_user_emails")->num(0) == 1);
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(root().path("storage/users")))
        files += e.path().extension() == ".json";
    BOOST_TEST(files == 1u);
    BOOST_TEST(ems::account::email_taken(db(), "ada@EXAMPLE.org"));
    (void)first;
}

BOOST_AUTO_TEST_CASE(the_same_token_replays_the_first_account) {
    ems::account::NewUser u;
    u.email = "tok@example.org";
    u.fname = "T";
    u.password_hash = "x";
    const auto a = ems::account::create_user(*this, u, "token-1");
    const auto b = ems::account::create_user(*this, u, "token-1");
    BOOST_TEST(static_cast<int>(a.outcome) == static_cast<int>(ems::account::SignUp::created));
    BOOST_TEST(static_cast<int>(b.outcome) == static_cast<int>(ems::account::SignUp::replayed));
    BOOST_TEST(a.uid == b.uid);
    BOOST_TEST(db().query_one("SELECT COUNT(*) FROM user_credentials")->num(0) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
