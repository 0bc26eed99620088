#include "models/throttle.hpp"

#include <ctime>

#include "core/text.hpp"

namespace ems::throttle {

Count hit(db::Db& db, const std::string& bucket, const std::string& subject, int window) {
    const auto now = static_cast<long long>(std::time(nullptr));
    const long long start = now - now % window;
    const auto key = subject.substr(0, 255);
    // The upsert takes the row lock, so concurrent hits are all counted.
    db.exec(
        "INSERT INTO ems_rate_limits (bucket, subject, window_start, hits) VALUES (?, ?, ?, 1) "
        "ON DUPLICATE KEY UPDATE hits = hits + 1",
        {bucket, key, start});
    const auto row = db.query_one(
        "SELECT hits FROM ems_rate_limits WHERE bucket = ? AND subject = ? AND window_start = ?",
        {bucket, key, start});
    if (one_in(50))  // windows are at most a day or so: drop the old ones now and then
        db.exec("DELETE FROM ems_rate_limits WHERE window_start < ?", {now - 7 * 86400LL});
    return {row ? row->num(0) : 1, static_cast<int>(start + window - now)};
}

}  // namespace ems::throttle
