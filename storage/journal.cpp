#include "storage/journal.hpp"

#include <array>
#include <charconv>
#include <chrono>

#include "storage/file_storage.hpp"
#include "storage/php_json.hpp"

namespace ems::storage {
namespace {

constexpr std::size_t crc_chars = 8;

std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}

std::optional<Json::Value> parse_line(std::string_view line) {
    if (line.size() < crc_chars + 2 || line[crc_chars] != ' ') return std::nullopt;
    std::uint32_t expected = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + crc_chars, expected, 16);
    if (ec != std::errc() || ptr != line.data() + crc_chars) return std::nullopt;
    std::string_view body = line.substr(crc_chars + 1);
    if (crc32(body) != expected) return std::nullopt;
    auto record = parse_json(body, nullptr);
    if (!record || !record->isObject()) return std::nullopt;
    return record;
}

Json::Value id_json(const FileId& id) {
    Json::Value v(Json::objectValue);
    v["dev"] = Json::UInt64(id.dev);
    v["ino"] = Json::UInt64(id.ino);
    v["size"] = Json::UInt64(id.size);
    v["mtime_ns"] = Json::Int64(id.mtime_ns);
    return v;
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
    static const auto table = make_crc_table();
    std::uint32_t c = 0xffffffffu;
    for (unsigned char byte : data) c = table[(c ^ byte) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::string journal_line(const Json::Value& record) {
    std::string body = encode_php_json(record, false);  // no raw newline can occur
    char crc[crc_chars + 1];
    std::snprintf(crc, sizeof crc, "%08x", crc32(body));
    return std::string(crc, crc_chars) + " " + body + "\n";
}

JournalScan scan_journal(std::string_view data, const std::filesystem::path& path) {
    JournalScan scan;
    std::size_t pos = 0;
    while (pos < data.size()) {
        std::size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) {
            scan.torn_tail = true;
            break;
        }
        auto record = parse_line(data.substr(pos, nl - pos));
        if (!record) {
            if (nl + 1 < data.size())
                throw StorageError("corrupt journal " + path.string() + ": bad record at byte " +
                                   std::to_string(pos));
            scan.torn_tail = true;
            break;
        }
        scan.records.push_back(std::move(*record));
        pos = nl + 1;
        scan.valid_bytes = pos;
    }
    return scan;
}

Json::Value journal_header(const FileId& base) {
    Json::Value header(Json::objectValue);
    header["ems_journal"] = 1;
    header["base"] = base.exists ? id_json(base) : Json::Value();
    // Makes every journal's first line unique, so a cache can tell a new
    // journal from an old one that got the same inode.
    header["created_ns"] = Json::Int64(std::chrono::system_clock::now().time_since_epoch() /
                                       std::chrono::nanoseconds(1));
    return header;
}

bool header_matches(const Json::Value& header, const FileId& base) {
    if (!header.isObject() || header["ems_journal"] != 1) return false;
    const Json::Value& b = header["base"];
    if (!base.exists) return b.isNull();
    // Compare as numbers: the parser may type a value int where we wrote uint.
    auto same = [&](const char* field, std::uint64_t want) {
        return b[field].isIntegral() && b[field].asUInt64() == want;
    };
    return b.isObject() && same("dev", base.dev) && same("ino", base.ino) &&
           same("size", base.size) && b["mtime_ns"].isIntegral() &&
           b["mtime_ns"].asInt64() == base.mtime_ns;
}

void apply_record(ParticipantList& list, const Json::Value& record,
                  const std::filesystem::path& path) {
    const std::string op = record["op"].asString();
    const Json::Value& key = record["key"];
    if (!key.isString())
        throw StorageError("corrupt journal " + path.string() + ": record without key");
    if (op == "put")
        list.put(key.asString(), record["entry"]);
    else if (op == "del")
        list.erase(key.asString());
    else
        throw StorageError("corrupt journal " + path.string() + ": unknown op '" + op + "'");
}

}  // namespace ems::storage
