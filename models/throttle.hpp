// Fixed-window counters in MariaDB (ems_rate_limits): how many times a
// subject (an address, an account) did something in the current window.
// Kept in the database, never in a worker's memory, so every worker and
// every host behind the same database counts together.
#pragma once
#include <string>

#include "models/db.hpp"

namespace ems::throttle {

struct Count {
    long long hits = 0;   // this one included
    int retry_after = 0;  // seconds until the window ends
};

// Counts one hit of (bucket, subject) in the current window of `window`
// seconds (one atomic upsert) and returns the window's count.
Count hit(db::Db& db, const std::string& bucket, const std::string& subject, int window);

}  // namespace ems::throttle
