// core/time: every timestamp format the app writes, pinned byte for byte
// (and checked against the strftime formats they replaced).
#define BOOST_TEST_DYN_LINK
#include "core/time.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

using ems::time::Seconds;

Seconds at(long long epoch) {
    return Seconds{std::chrono::seconds{epoch}};
}

std::string strftime_utc(long long epoch, const char* format) {
    const std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

// Zero, negative, a leap day, the last second of a year, the year 9999.
const long long instants[] = {0,          -1,         -86400 * 365LL, 951782400,
                              1709208000, 1798761599, 1795683600,     253402300799LL};

}  // namespace

BOOST_AUTO_TEST_SUITE(core_time)

BOOST_AUTO_TEST_CASE(db_datetime_in_utc_pins_each_edge) {
    const auto utc = ems::time::Zone::utc();
    BOOST_TEST(ems::time::db_datetime(at(0), utc) == "1970-01-01 00:00:00");
    BOOST_TEST(ems::time::db_datetime(at(-1), utc) == "1969-12-31 23:59:59");
    BOOST_TEST(ems::time::db_datetime(at(951782400), utc) == "2000-02-29 00:00:00");
    BOOST_TEST(ems::time::db_datetime(at(1709208000), utc) == "2024-02-29 12:00:00");
    BOOST_TEST(ems::time::db_datetime(at(253402300799LL), utc) == "9999-12-31 23:59:59");
    BOOST_TEST(ems::time::minute_datetime(at(1795683600), utc) == "2026-11-26 09:00");
}

BOOST_AUTO_TEST_CASE(formats_match_the_strftime_formats_they_replaced) {
    const auto utc = ems::time::Zone::utc();
    for (const long long t : instants) {
        BOOST_TEST_CONTEXT("epoch " << t) {
            BOOST_TEST(ems::time::db_datetime(at(t), utc) == strftime_utc(t, "%Y-%m-%d %H:%M:%S"));
            BOOST_TEST(ems::time::minute_datetime(at(t), utc) == strftime_utc(t, "%Y-%m-%d %H:%M"));
            BOOST_TEST(ems::time::rfc5322_date(at(t)) ==
                       strftime_utc(t, "%a, %d %b %Y %H:%M:%S +0000"));
            BOOST_TEST(ems::time::iso8601_utc(ems::time::Millis{std::chrono::seconds{t}}) ==
                       strftime_utc(t, "%Y-%m-%dT%H:%M:%S") + ".000Z");
        }
    }
}

BOOST_AUTO_TEST_CASE(local_times_follow_the_server_zone_like_localtime) {
    // The server zone is the process's TZ, as PHP's date() used it.
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "Europe/Berlin", 1);
    ::tzset();
    const auto zone = ems::time::Zone::server();
    BOOST_TEST(ems::time::db_datetime(at(0), zone) == "1970-01-01 01:00:00");
    BOOST_TEST(ems::time::db_datetime(at(1782900000), zone) == "2026-07-01 12:00:00");  // DST
    BOOST_TEST(ems::time::minute_datetime(at(1795683600), zone) == "2026-11-26 10:00");
    for (const long long t : instants) {
        const std::time_t tt = static_cast<std::time_t>(t);
        std::tm tm{};
        localtime_r(&tt, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        BOOST_TEST(ems::time::db_datetime(at(t), zone) == buf);
    }
    if (old)
        ::setenv("TZ", saved.c_str(), 1);
    else
        ::unsetenv("TZ");
    ::tzset();
}

BOOST_AUTO_TEST_CASE(iso8601_keeps_milliseconds_and_rfc5322_names_the_weekday) {
    using namespace std::chrono;
    const ems::time::Millis t{seconds{1796115600} + milliseconds{7}};
    BOOST_TEST(ems::time::iso8601_utc(t) == "2026-12-01T09:00:00.007Z");
    BOOST_TEST(ems::time::iso8601_utc(ems::time::Millis{milliseconds{-1}}) ==
               "1969-12-31T23:59:59.999Z");
    BOOST_TEST(ems::time::rfc5322_date(at(1796115600)) == "Tue, 01 Dec 2026 09:00:00 +0000");
    BOOST_TEST(ems::time::rfc5322_date(at(951782400)) == "Tue, 29 Feb 2000 00:00:00 +0000");
}

BOOST_AUTO_TEST_CASE(display_datetime_is_day_month_year_and_minutes) {
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"2026-12-01 09:00:00", "1 Dec 2026, 09:00"},
        {"2024-02-29 23:59:59", "29 Feb 2024, 23:59"},
        {"9999-12-31 23:59:00", "31 Dec 9999, 23:59"},
        {"2026-13-01 09:00:00", "2026-13-01 09:00:00"},  // no such month: as stored
        {"2026-12-01", "2026-12-01"},                    // too short: as stored
        {"", ""},
        {"2026-11-30 02:11:15", "30 Nov 2026, 02:11"},  // a joined_at
        {"2026-11-26 09:00", "26 Nov 2026, 09:00"},     // minutes only (API tokens)
    };
    for (const auto& c : cases) {
        BOOST_TEST(ems::time::display_datetime(c.in) == c.out);
        std::string out = "x";
        ems::time::append_display_datetime(out, c.in);
        BOOST_TEST(out == std::string("x") + c.out);
    }
}

BOOST_AUTO_TEST_SUITE_END()
