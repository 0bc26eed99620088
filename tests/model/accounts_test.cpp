// Accounts against the real schema: a new user's row, its ems_user_emails
// row and its PHP-format file; one account per e-mail whatever the case;
// a sign-up token replayed gives the first account.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "models/account.hpp"
#include "models/idempotency.hpp"
#include "models/user.hpp"
#include "tests/model/model_fixture.hpp"
#include "tests/unit/temp_root.hpp"

using ems::account::NewUser;
using ems::account::SignUp;
using ems::test::scalar;
using ems::test::store;

namespace {

NewUser new_user(const std::string& email) {
    NewUser u;
    u.email = email;
    u.fname = "Grace";
    u.mname = "B.";
    u.lname = "Hopper";
    u.password_hash = "$2y$10$hashhashhashhashhashhOzW7ylqY3u1c2g2m6y9xk5Y1D1d2b3c4";
    u.verify_token = "token-1";
    return u;
}

std::vector<std::string> keys_of(const Json::Value& v) {
    // Json::Value's member order is sorted; the file's text keeps PHP's.
    return v.getMemberNames();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(accounts)

BOOST_AUTO_TEST_CASE(create_user_writes_row_email_and_file) {
    const auto email = ems::test::unique_email("grace");
    const auto made = ems::account::create_user(store(), new_user(email));
    BOOST_TEST(made.outcome == SignUp::created);
    BOOST_TEST(!made.uid.empty());

    const auto user = ems::find_user(store().db(), made.uid);
    BOOST_TEST_REQUIRE(user.has_value());
    BOOST_TEST(user->email == email);
    BOOST_TEST(user->fullname == "Grace B. Hopper");
    BOOST_TEST(user->attendedevents == "[]");
    BOOST_TEST(user->profilepicture == "default.png");
    BOOST_TEST(!user->emailverified);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM ems_user_emails WHERE email = ? AND uid = ?",
                      {email, made.uid}) == 1);
    BOOST_TEST(ems::account::email_taken(store().db(), email));

    const auto file = store().files().get_user_data(made.uid);
    BOOST_TEST_REQUIRE(file.has_value());
    BOOST_TEST((*file)["email"].asString() == email);
}

BOOST_AUTO_TEST_CASE(duplicate_email_is_taken_in_any_case) {
    const auto email = ems::test::unique_email("dup");
    BOOST_TEST(ems::account::create_user(store(), new_user(email)).outcome == SignUp::created);
    const long long rows_before = scalar("SELECT COUNT(*) FROM user_credentials");

    const auto again = ems::account::create_user(store(), new_user(email));
    BOOST_TEST(again.outcome == SignUp::email_taken);
    BOOST_TEST(again.uid.empty());
    std::string upper = email;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BOOST_TEST(ems::account::create_user(store(), new_user(upper)).outcome == SignUp::email_taken);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM user_credentials") == rows_before);

    // The key behind it: a second row for the e-mail is a duplicate key,
    // which handlers/dispatch.cpp answers as a Conflict (409).
    try {
        store().db().exec("INSERT INTO ems_user_emails (email, uid) VALUES (?, ?)", {upper, "0"});
        BOOST_FAIL("ems_user_emails took a second row for " + upper);
    } catch (const ems::db::DbError& e) {
        BOOST_TEST(e.duplicate_key());
    }
}

// The PHP app's users/<uid>.json: its keys in its order, the uid typed as
// the column (a number on the INT schema a fresh install gets), the PHP
// encoder's escaping, no trailing newline.
BOOST_AUTO_TEST_CASE(sync_user_file_writes_the_php_format) {
    auto u = new_user(ems::test::unique_email("fmt"));
    u.fname = "J\xc3\xbcrgen";  // non-ASCII: \u00fc in the file
    const auto made = ems::account::create_user(store(), u);
    BOOST_TEST_REQUIRE(made.outcome == SignUp::created);
    BOOST_TEST(store().uid_kind() == ems::schema::UidKind::integer);

    store().db().exec("UPDATE user_credentials SET lname = ?, emailverified = 1 WHERE uid = ?",
                      {"O'Brien / Smith", made.uid});
    ems::account::sync_user_file(store(), made.uid, "test");

    const auto path = ems::test::storage_root() / "users" / (made.uid + ".json");
    const auto text = ems::test::slurp(path);
    BOOST_TEST_REQUIRE(!text.empty());
    BOOST_TEST(text.back() == '}');  // no trailing newline
    const std::vector<std::string> order{"\"uid\": " + made.uid + ",",
                                         "\"fname\": \"J\\u00fcrgen\",",
                                         "\"mname\": \"B.\",",
                                         "\"lname\": \"O'Brien \\/ Smith\",",
                                         "\"email\": ",
                                         "\"profilepicture\": \"default.png\",",
                                         "\"emailverified\": 1,",
                                         "\"last_updated\": \"",
                                         "\"created_at\": \""};
    std::size_t at = 0;
    for (const auto& piece : order) {
        const auto found = text.find("    " + piece, at);
        BOOST_TEST(found != std::string::npos, "missing or out of order: " << piece);
        if (found != std::string::npos) at = found;
    }
    const auto data = store().files().get_user_data(made.uid);
    BOOST_TEST_REQUIRE(data.has_value());
    BOOST_TEST(keys_of(*data).size() == 9u);
    BOOST_TEST((*data)["uid"].isIntegral());
    BOOST_TEST((*data)["emailverified"].asInt() == 1);

    // A later sync keeps created_at and moves last_updated only.
    const auto created_at = (*data)["created_at"].asString();
    ems::account::sync_user_file(store(), made.uid, "test");
    BOOST_TEST((*store().files().get_user_data(made.uid))["created_at"].asString() == created_at);
}

BOOST_AUTO_TEST_CASE(signup_token_replayed_gives_the_first_account) {
    const auto email = ems::test::unique_email("replay");
    const auto token = ems::idempotency::new_form_token();
    const auto id = ems::idempotency::token_id("signup", "", token);
    const auto first = ems::account::create_user(store(), new_user(email), id);
    BOOST_TEST_REQUIRE(first.outcome == SignUp::created);
    const auto second = ems::account::create_user(store(), new_user(email), id);
    BOOST_TEST(second.outcome == SignUp::replayed);
    BOOST_TEST(second.uid == first.uid);
    BOOST_TEST(scalar("SELECT COUNT(*) FROM user_credentials WHERE email = ?", {email}) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
