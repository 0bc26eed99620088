#include "core/time.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

namespace ems::time {
namespace {

using namespace std::chrono;

constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

struct Fields {
    year_month_day date;
    hh_mm_ss<seconds> clock;
    weekday day_of_week;
};

Fields fields_of(sys_seconds t) {
    const auto day = floor<days>(t);
    return {year_month_day{day}, hh_mm_ss<seconds>{t - day}, weekday{day}};
}

// Years print with at least 4 digits, as MariaDB and PHP's date('Y') do
// for the years 1000-9999 every test pins.
std::string date_time(sys_seconds t, bool with_seconds) {
    const auto f = fields_of(t);
    char buf[48];
    const int n = std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(f.date.year()),
        static_cast<unsigned>(f.date.month()), static_cast<unsigned>(f.date.day()),
        static_cast<long>(f.clock.hours().count()), static_cast<long>(f.clock.minutes().count()));
    std::string out(buf, static_cast<std::size_t>(n));
    if (with_seconds) {
        std::snprintf(buf, sizeof buf, ":%02ld", static_cast<long>(f.clock.seconds().count()));
        out += buf;
    }
    return out;
}

// std::atoi of a two-character text (leading blanks, a sign, digits),
// without making a C string of it.
int two_char_atoi(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    int n = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) n = n * 10 + (s[i] - '0');
    return negative ? -n : n;
}

}  // namespace

bool known_zone(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '/' || name.find("..") != std::string::npos)
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '+' && c != '-' &&
            c != '/')
            return false;
    std::error_code ec;
    return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + name, ec);
}

void use_zone(const std::string& name) {
    ::setenv("TZ", name.c_str(), 1);
    ::tzset();
}

Zone Zone::server() {
    return Zone(false);
}

Zone Zone::utc() {
    return Zone(true);
}

seconds Zone::offset_at(Seconds t) const {
    if (utc_) return seconds{0};
    const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
    std::tm tm{};
    if (!localtime_r(&tt, &tm)) return seconds{0};
    return seconds{tm.tm_gmtoff};
}

Seconds now() {
    return floor<seconds>(system_clock::now());
}

Millis now_ms() {
    return floor<milliseconds>(system_clock::now());
}

std::string db_datetime(Seconds t, const Zone& zone) {
    return date_time(t + zone.offset_at(t), true);
}

std::string minute_datetime(Seconds t, const Zone& zone) {
    return date_time(t + zone.offset_at(t), false);
}

std::string iso8601_utc(Millis t) {
    const auto s = floor<seconds>(t);
    auto out = date_time(s, true);
    out[10] = 'T';
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03ldZ", static_cast<long>((t - s).count()));
    return out + ms;
}

std::string rfc5322_date(Seconds t) {
    const auto f = fields_of(t);
    char buf[64];
    const int n = std::snprintf(
        buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000",
        day_names[f.day_of_week.c_encoding()], static_cast<unsigned>(f.date.day()),
        month_names[static_cast<unsigned>(f.date.month()) - 1], static_cast<int>(f.date.year()),
        static_cast<long>(f.clock.hours().count()), static_cast<long>(f.clock.minutes().count()),
        static_cast<long>(f.clock.seconds().count()));
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string display_datetime(std::string_view v) {
    std::string out;
    append_display_datetime(out, v);
    return out;
}

void append_display_datetime(std::string& out, std::string_view v) {
    if (v.size() < 16) {
        out += v;
        return;
    }
    const int m = two_char_atoi(v.substr(5, 2));
    if (m < 1 || m > 12) {
        out += v;
        return;
    }
    char day[12];
    const int n = std::snprintf(day, sizeof day, "%d", two_char_atoi(v.substr(8, 2)));
    out.append(day, static_cast<std::size_t>(n));
    out += ' ';
    out += month_names[m - 1];
    out += ' ';
    out += v.substr(0, 4);
    out += ", ";
    out += v.substr(11, 5);
}

}  // namespace ems::time
