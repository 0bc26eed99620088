// Every timestamp format the app writes, in one place, on std::chrono's
// calendar types (C++20 year_month_day / hh_mm_ss; GCC 12 has no
// std::format for chrono and no tzdb, so digits are printed by hand and the
// local offset comes from the C library).
//
// Local times use a Zone. Today the only zone is the server's (the TZ of the
// process, as the PHP app's date() used); the site time zone from the
// configuration is a later issue and plugs in here: a Zone built from it,
// passed where Zone::server() is the default now.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ems::time {

using Seconds = std::chrono::sys_seconds;
using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

class Zone {
  public:
    // The process's local time zone (localtime_r: TZ or /etc/localtime).
    static Zone server();
    // UTC: for tests and for what must not depend on the machine.
    static Zone utc();
    // Seconds east of UTC at instant t (daylight saving included).
    std::chrono::seconds offset_at(Seconds t) const;

  private:
    explicit Zone(bool utc) : utc_(utc) {}
    bool utc_;
};

// Whether `name` is a time zone the C library can use: letters, digits,
// "_+-/" and a file under /usr/share/zoneinfo (e.g. "Europe/Berlin", "UTC").
bool known_zone(const std::string& name);
// Makes `name` the process's local time zone (TZ, then tzset): the zone of
// Zone::server(), so of every local time the app writes and shows.
void use_zone(const std::string& name);

Seconds now();
Millis now_ms();

// "YYYY-MM-DD HH:MM:SS" in `zone`: the PHP app's date('Y-m-d H:i:s'), and
// MariaDB's DATETIME text; joined_at, created_at, last_updated and the audit
// log's "ts" use it.
std::string db_datetime(Seconds t, const Zone& zone = Zone::server());
// "YYYY-MM-DD HH:MM" in `zone` (API tokens' created/last used).
std::string minute_datetime(Seconds t, const Zone& zone = Zone::server());
// ISO 8601 in UTC with milliseconds, "2026-12-01T09:00:00.123Z" (error and
// access logs).
std::string iso8601_utc(Millis t);
// RFC 5322 Date header in UTC, "Tue, 01 Dec 2026 09:00:00 +0000" (mail).
std::string rfc5322_date(Seconds t);
// "1 Dec 2026, 09:00" from a DATETIME text "2026-12-01 09:00:00" (event
// pages); the text itself when it is too short or its month is not 1-12.
std::string display_datetime(std::string_view db_value);
// The same appended to `out`, allocating nothing else (the rows of the
// streamed participant list).
void append_display_datetime(std::string& out, std::string_view db_value);

}  // namespace ems::time
