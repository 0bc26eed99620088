// Small builders shared by the model tests: a user, an event input.
#pragma once
#include <boost/test/unit_test.hpp>
#include <string>

#include "models/account.hpp"
#include "models/event.hpp"
#include "models/user.hpp"
#include "tests/model/fixture.hpp"

namespace ems::test {

inline User make_user(ModelFixture& f, const std::string& email) {
    account::NewUser u;
    u.email = email;
    u.fname = "Ada";
    u.lname = "Lovelace";
    u.password_hash = "$2y$04$abcdefghijklmnopqrstuu5Jj5n5.Y9lQ0p9h6x5x5x5x5x5x5x5";
    const auto r = account::create_user(f, u);
    BOOST_REQUIRE(r.outcome == account::SignUp::created);
    auto found = find_user(f.db(), r.uid);
    BOOST_REQUIRE(found);
    return *found;
}

inline events::EventInput event_input(const std::string& name,
                                      std::optional<long long> capacity = std::nullopt,
                                      bool approval = false) {
    events::EventInput in;
    in.name = name;
    in.startdate = "2030-05-01 10:00:00";
    in.enddate = "2030-05-01 18:00:00";
    in.location = "Hall 1";
    in.shortinfo = "about " + name;
    in.settings.max_participants = capacity;
    in.settings.require_approval = approval;
    return in;
}

}  // namespace ems::test
