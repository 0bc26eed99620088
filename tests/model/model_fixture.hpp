// The model tests' fixture: one MariaDB database and one storage folder
// per run of bin/model_tests, like Wt's DboFixture. The global fixture
// (main.cpp) connects to the test stack's MariaDB with the ems user of
// stack.env (DB_SOCKET, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, as
// scripts/test.sh exports them), creates ems_model_<pid>, applies the
// schema the way ems-fcgi does at start (check_durability, then migrate),
// and gives the tests a ConfigStore on it and on a fresh storage folder
// under /tmp. Both are dropped at the end. Tests share them, so each test
// makes its own users and events (unique_email) and counts only those.
#pragma once
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "models/account.hpp"
#include "models/config_store.hpp"
#include "models/event.hpp"
#include "models/event_participation.hpp"
#include "models/user.hpp"

namespace ems::test {

ConfigStore& store();
std::filesystem::path storage_root();

// "<stem>.<n>.<pid>@model.test", never the same twice in a run.
std::string unique_email(const std::string& stem);
// A new account through account::create_user, read back from its row.
User make_user(const std::string& fname = "Ada");
// A valid create/edit input: dates in the future, the given settings.
events::EventInput event_input(const std::string& name, const events::Settings& s = {});
std::int64_t make_event(const User& creator, const events::Settings& s = {},
                        const std::string& name = "Model test event");
// The single number a `SELECT COUNT(*) ...` or `SELECT col ...` gives.
long long scalar(const std::string& sql, const db::Params& params = {});

}  // namespace ems::test

// Names for the models' enums in Boost.Test's failure messages (found by ADL).
namespace ems::account {
std::ostream& operator<<(std::ostream& out, SignUp s);
}
namespace ems::events {
std::ostream& operator<<(std::ostream& out, Outcome o);
}
namespace ems::schema {
std::ostream& operator<<(std::ostream& out, UidKind k);
}
