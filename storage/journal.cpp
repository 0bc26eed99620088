#include "storage/journal.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <optional>
#include <unordered_map>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {
namespace {

constexpr std::size_t crc_chars = 8;

// The record on one complete line (without its newline), or the reason it
// is not one.
std::optional<Json::Value> parse_line(std::string_view line, std::string* reason) {
    if (line.size() < crc_chars + 2 || line[crc_chars] != ' ') {
        *reason = "not a journal record (no CRC prefix)";
        return std::nullopt;
    }
    std::uint32_t expected = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + crc_chars, expected, 16);
    if (ec != std::errc() || ptr != line.data() + crc_chars) {
        *reason = "not a journal record (bad CRC field)";
        return std::nullopt;
    }
    std::string_view body = line.substr(crc_chars + 1);
    if (crc32(body) != expected) {
        *reason = "CRC mismatch (the record was changed after it was written)";
        return std::nullopt;
    }
    auto record = parse_json(body, nullptr);
    if (!record || !record->isObject()) {
        *reason = "not a JSON object";
        return std::nullopt;
    }
    return record;
}

// Empty when `record` is a valid header (header=true) or put/del record.
std::string check_record(const Json::Value& record, bool header) {
    if (header) {
        const Json::Value& v = record["ems_journal"];
        if (!v.isIntegral() || (v.asInt64() != 1 && v.asInt64() != 2))
            return "first record is not a journal header";
        return {};
    }
    if (!record["key"].isString()) return "record without key";
    const Json::Value& op = record["op"];
    if (op == "put") return record["entry"].isObject() ? "" : "put record without entry object";
    if (op == "del") return {};
    return "unknown op '" + (op.isString() ? op.asString() : op.toStyledString()) + "'";
}

}  // namespace

// zlib's CRC-32 (the IEEE polynomial), the one every journal was written with.
std::uint32_t crc32(std::string_view data) {
    uLong c = ::crc32(0L, Z_NULL, 0);
    // zlib takes a uInt length: feed a large record in pieces.
    for (std::size_t done = 0; done < data.size();) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(data.size() - done, 1u << 30));
        c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data() + done), n);
        done += n;
    }
    return static_cast<std::uint32_t>(c);
}

std::string journal_line(const Json::Value& record) {
    std::string body = encode_php_json(record, false);  // no raw newline can occur
    char crc[crc_chars + 1];
    std::snprintf(crc, sizeof crc, "%08x", crc32(body));
    return std::string(crc, crc_chars) + " " + body + "\n";
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 0xf];
    }
    return out;
}

std::string BadLine::describe() const {
    return "line " + std::to_string(line) + " (byte " + std::to_string(offset) + "): " + reason;
}

JournalScan scan_journal(std::string_view data, bool header, std::uint64_t offset,
                         std::size_t first_line) {
    JournalScan scan;
    std::size_t pos = 0;
    for (std::size_t line = first_line; pos < data.size(); ++line) {
        const std::size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) {
            // Never acknowledged: its writer died before the newline.
            scan.torn_tail = true;
            scan.torn_offset = offset + pos;
            break;
        }
        std::string reason;
        const bool is_header = header && line == first_line;
        auto record = parse_line(data.substr(pos, nl - pos), &reason);
        if (record) reason = check_record(*record, is_header);
        if (reason.empty() && is_header)
            scan.header = std::move(*record);
        else if (reason.empty())
            scan.records.push_back(std::move(*record));
        else
            scan.bad.push_back(
                BadLine{line, offset + pos, reason,
                        std::string(data.substr(pos, std::min<std::size_t>(nl - pos, 160)))});
        pos = nl + 1;
        if (scan.bad.empty()) scan.valid_bytes = pos;
    }
    return scan;
}

Json::Value journal_header(const JournalBase& base) {
    Json::Value b;  // null: no base file
    if (base.exists)
        b = php_json::Object{{"size", Json::UInt64(base.size)}, {"sha256", base.sha256}};
    // created_ns makes every journal's first line unique, so a cache can
    // tell a new journal from an old one that got the same inode, and names
    // it when it is kept aside.
    return php_json::Object{
        {"ems_journal", 2},
        {"base", std::move(b)},
        {"created_ns", Json::Int64(std::chrono::system_clock::now().time_since_epoch() /
                                   std::chrono::nanoseconds(1))}};
}

bool header_matches(const Json::Value& header, const JournalBase& base) {
    if (!header.isObject() || !header["ems_journal"].isIntegral()) return false;
    const std::int64_t version = header["ems_journal"].asInt64();
    const Json::Value& b = header["base"];
    if (!base.exists) return b.isNull();
    // Compare as numbers: the parser may type a value int where we wrote uint.
    if (!b.isObject() || !b["size"].isIntegral() || b["size"].asUInt64() != base.size) return false;
    if (version == 1) return true;
    return version == 2 && b["sha256"].isString() && b["sha256"].asString() == base.sha256;
}

std::int64_t header_created_ns(const Json::Value& header) {
    const Json::Value& v = header["created_ns"];
    return v.isIntegral() ? v.asInt64() : 0;
}

void apply_record(ParticipantList& list, const Json::Value& record) {
    if (record["op"] == "put")
        list.put(record["key"].asString(), record["entry"]);
    else
        list.erase(record["key"].asString());
}

bool same_entry(const Json::Value& a, const Json::Value& b) {
    try {
        return encode_php_json(a, false) == encode_php_json(b, false);
    } catch (const std::exception&) {
        return a == b;
    }
}

bool journal_is_folded(const ParticipantList& list, const std::vector<Json::Value>& records) {
    // The last record of each key decides its final state.
    std::unordered_map<std::string, const Json::Value*> last;
    for (const Json::Value& record : records) last[record["key"].asString()] = &record;
    for (const auto& [key, record] : last) {
        const Json::Value* have = list.find(key);
        if ((*record)["op"] == "del" ? have != nullptr
                                     : !have || !same_entry(*have, (*record)["entry"]))
            return false;
    }
    return true;
}

}  // namespace ems::storage
