// Append-only participant journal: one framed JSON record per line,
// "<crc32 as 8 hex> <compact json>\n". A record only counts once its whole
// line, newline included, is on disk with a matching CRC, so a line torn by
// a crash is recognised and ignored (it was never acknowledged).
#pragma once

#include <json/json.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "storage/fs_util.hpp"

namespace ems::storage {

class ParticipantList;

std::uint32_t crc32(std::string_view data);

// The framed line for one record (throws InvalidData for unwritable data).
std::string journal_line(const Json::Value& record);

struct JournalScan {
    std::vector<Json::Value> records;
    std::uint64_t valid_bytes = 0;  // length of the prefix of whole, valid lines
    bool torn_tail = false;
};

// Scans `data`. A bad line followed by more data is corruption (StorageError
// naming `path`); a bad or unterminated last line is a torn tail.
JournalScan scan_journal(std::string_view data, const std::filesystem::path& path);

// First record: binds the journal to the JSON file it extends. A journal
// whose header names another version of that file was already folded in by
// a compaction that crashed before removing it, and is ignored.
Json::Value journal_header(const FileId& base);
bool header_matches(const Json::Value& header, const FileId& base);

// Applies one "put"/"del" record; throws StorageError on an unknown op.
void apply_record(ParticipantList& list, const Json::Value& record,
                  const std::filesystem::path& path);

}  // namespace ems::storage
