#include "models/event_index.hpp"

#include <cctype>

#include "core/text.hpp"

namespace ems::events {

void index_event(db::Db& db, const Event& ev, bool listed) {
    db.exec(
        "REPLACE INTO ems_event_index (eventid, name, location, startdate, enddate, listed) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {static_cast<long long>(ev.id), ev.name, ev.location,
         ev.startdate.empty() ? db::Param(nullptr) : db::Param(ev.startdate),
         ev.enddate.empty() ? db::Param(nullptr) : db::Param(ev.enddate),
         static_cast<long long>(listed ? 1 : 0)});
}

void unindex_event(db::Db& db, std::int64_t id) {
    db.exec("DELETE FROM ems_event_index WHERE eventid = ?", {static_cast<long long>(id)});
}

std::string fulltext_terms(const std::string& query) {
    std::string out, word;
    std::size_t chars = 0;
    auto flush = [&] {
        if (chars >= 3) out += (out.empty() ? "+" : " +") + word + "*";
        word.clear();
        chars = 0;
    };
    for (std::size_t i = 0; i < query.size(); ++i) {
        const auto c = static_cast<unsigned char>(query[i]);
        if (c >= 0x80) {  // a letter of another script: kept whole
            word += static_cast<char>(c);
            if ((c & 0xC0) != 0x80) ++chars;
        } else if (std::isalnum(c)) {
            word += static_cast<char>(c);
            ++chars;
        } else {
            flush();
        }
        if (out.size() > 400) break;
    }
    flush();
    return out;
}

ListingPage listed_events(db::Db& db, const std::string& now, const std::string& query,
                          std::size_t offset, std::size_t per_page) {
    const auto terms = fulltext_terms(query);
    db::Params params{now};
    std::string sql = "SELECT eventid FROM ems_event_index WHERE listed = 1 AND startdate >= ?";
    if (!terms.empty()) {
        sql += " AND MATCH (name, location) AGAINST (? IN BOOLEAN MODE)";
        params.emplace_back(terms);
    } else if (!trim(query).empty()) {
        // Only short words: a prefix of the name (LIKE's own characters escaped).
        std::string like;
        for (char c : trim(query).substr(0, 100)) {
            if (c == '%' || c == '_' || c == '\\') like += '\\';
            like += c;
        }
        sql += " AND name LIKE ?";
        params.emplace_back(like + "%");
    }
    sql += " ORDER BY startdate, eventid LIMIT ? OFFSET ?";
    params.emplace_back(static_cast<long long>(per_page + 1));
    params.emplace_back(static_cast<long long>(offset));
    std::vector<std::string> ids;
    for (const auto& row : db.query(sql, params)) ids.push_back(row.str(0));
    ListingPage page;
    page.more = ids.size() > per_page;
    if (page.more) ids.pop_back();
    page.events = events_by_ids(db, ids);  // ordered by start again
    return page;
}

}  // namespace ems::events
