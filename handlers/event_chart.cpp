#include "handlers/event_chart.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "core/time.hpp"

namespace ems {
namespace {

// The plot area inside the 600 x 140 view box (room for the axis labels).
constexpr double left = 44, right = 592, top = 8, bottom = 112;
constexpr int weekly_after_days = 180;  // longer spans are drawn week by week

std::optional<std::chrono::sys_days> day_of(const std::string& joined_at) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (joined_at.size() < 10 || std::sscanf(joined_at.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                          std::chrono::day{d}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd};
}

std::string iso(std::chrono::sys_days day) {
    const std::chrono::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string label(std::chrono::sys_days day) {
    // "5 Dec 2026": the date part of the site's display format.
    auto text = time::display_datetime(iso(day) + " 00:00:00");
    const auto comma = text.find(',');
    return comma == std::string::npos ? text : text.substr(0, comma);
}

void point(std::string& out, char op, double x, double y) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%c%.1f %.1f", op, x, y);
    out += buf;
}

pages::Chart draw(const std::map<std::chrono::sys_days, std::size_t>& per_day) {
    const auto first = per_day.begin()->first, last = per_day.rbegin()->first;
    const int span = static_cast<int>((last - first).count());
    const int step = span > weekly_after_days ? 7 : 1;
    // Cumulative count at the end of each step from the first day.
    std::vector<std::size_t> counts;
    std::size_t total = 0;
    auto it = per_day.begin();
    for (int at = 0; at <= span + step - 1; at += step) {
        const auto end = first + std::chrono::days{at + step - 1};
        for (; it != per_day.end() && it->first <= end; ++it) total += it->second;
        counts.push_back(total);
    }
    pages::Chart c;
    c.max = total;
    const auto n = counts.size();
    const double dx = n > 1 ? (right - left) / static_cast<double>(n - 1) : 0;
    auto y_of = [&](std::size_t v) {
        return bottom - (bottom - top) * static_cast<double>(v) / static_cast<double>(total);
    };
    for (std::size_t i = 0; i < n; ++i)
        point(c.line, i ? 'L' : 'M', left + dx * static_cast<double>(i), y_of(counts[i]));
    if (n == 1) point(c.line, 'L', right, y_of(counts[0]));  // one day: a flat line
    c.area = c.line;
    point(c.area, 'L', right, bottom);
    point(c.area, 'L', left, bottom);
    c.area += "Z";
    c.first_day = label(first);
    c.last_day = label(last);
    c.first_iso = iso(first);
    c.last_iso = iso(last);
    c.summary = std::to_string(counts.front()) + " registered on " + c.first_day +
                (n > 1 ? ", " + std::to_string(total) + " by " + c.last_day : std::string()) +
                (step == 7 ? " (drawn week by week)" : "");
    return c;
}

}  // namespace

std::optional<pages::Chart> registrations_chart(const storage::ParticipantList& list) {
    static std::uint64_t version = 0;
    static std::optional<pages::Chart> chart;
    if (version == list.version() && version != 0) return chart;
    std::map<std::chrono::sys_days, std::size_t> per_day;
    for (const auto& [uid, entry] : list) {
        const auto& joined = entry["joined_at"];
        if (!joined.isString()) continue;
        if (const auto day = day_of(joined.asString())) ++per_day[*day];
    }
    chart = per_day.empty() ? std::nullopt : std::optional(draw(per_day));
    version = list.version();
    return chart;
}

}  // namespace ems
