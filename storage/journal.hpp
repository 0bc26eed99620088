// Append-only participant journal: one framed JSON record per line,
// "<crc32 as 8 hex> <compact json>\n". A record only counts once its whole
// line, newline included, is on disk; a last line without its newline is a
// write torn by a crash (never acknowledged). Any complete line that fails
// its CRC or is not a valid record is corruption, never a torn write.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ems::storage {

class ParticipantList;

std::uint32_t crc32(std::string_view data);
// SHA-256 of `data` as 64 lowercase hex digits (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

// The framed line for one record (throws InvalidData for unwritable data).
std::string journal_line(const Json::Value& record);

// One complete line that is not a valid record.
struct BadLine {
    std::size_t line = 0;      // 1-based, in the whole file
    std::uint64_t offset = 0;  // byte offset of the line's start in the file
    std::string reason;
    std::string excerpt;           // the line's first 160 bytes, for the operator
    std::string describe() const;  // "line 3 (byte 120): bad CRC"
};

struct JournalScan {
    Json::Value header;                // the header record; null when not scanned or bad
    std::vector<Json::Value> records;  // valid put/del records in order
    std::vector<BadLine> bad;          // empty for a sound journal
    std::uint64_t valid_bytes = 0;     // length of the prefix of whole, valid lines
    bool torn_tail = false;            // the data ends in a line without newline
    std::uint64_t torn_offset = 0;     // where that line starts
};

// Scans `data`, which starts at byte `offset` (line `first_line`) of the
// journal. With `header`, the first line must be a journal header (then in
// `header`, not in `records`). Every other line must be a "put" (key, entry
// object) or "del" (key) record.
JournalScan scan_journal(std::string_view data, bool header, std::uint64_t offset = 0,
                         std::size_t first_line = 1);

// The participants/<id>.json a journal extends, by content: a copy,
// restore or touch keeps it, a rewrite by PHP changes it.
struct JournalBase {
    bool exists = false;
    std::uint64_t size = 0;
    std::string sha256;
};

// First record, version 2: {"ems_journal":2,"base":{"size":N,"sha256":".."}
// |null,"created_ns":..}.
Json::Value journal_header(const JournalBase& base);
// Version 2: size and hash equal. Version 1 (dev, ino, size, mtime; written
// by older ems): the size alone, since the other fields change on a copy.
bool header_matches(const Json::Value& header, const JournalBase& base);
// created_ns of a header (0 when absent), for naming kept journals.
std::int64_t header_created_ns(const Json::Value& header);

// Applies one validated "put"/"del" record.
void apply_record(ParticipantList& list, const Json::Value& record);

// Would applying `records` to `list` change nothing?
// True for a journal a compaction already folded in (puts present with an
// equal entry at the end, dels absent); order alone does not count.
bool journal_is_folded(const ParticipantList& list, const std::vector<Json::Value>& records);

// Two entries are equal when they encode to the same JSON text (the parser
// types numbers differently from code that built them).
bool same_entry(const Json::Value& a, const Json::Value& b);

}  // namespace ems::storage
