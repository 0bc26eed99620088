// libFuzzer target: a participant journal (storage/journal.hpp). The first
// byte chooses the mode: bit 0, whether the first line must be a header;
// bit 1, whether each line of the rest gets a correct CRC prefix here (so
// the fuzzer reaches the record checks instead of stopping at the CRC).
// The scan must account for every byte (valid prefix, bad lines, torn
// tail), and its valid records must apply to a list and frame again as
// lines that scan back to the same records.
#include <json/json.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "storage/file_storage.hpp"
#include "storage/journal.hpp"

using namespace ems::storage;

namespace {

std::string framed(const std::string& raw) {
    std::string out;
    std::size_t start = 0;
    while (start < raw.size()) {
        auto nl = raw.find('\n', start);
        const bool last = nl == std::string::npos;
        const std::string body = raw.substr(start, last ? std::string::npos : nl - start);
        char crc[9];
        std::snprintf(crc, sizeof crc, "%08x", static_cast<unsigned>(crc32(body)));
        out += std::string(crc) + " " + body;
        if (last) break;  // a last line without newline stays torn
        out += '\n';
        start = nl + 1;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool header = data[0] & 1;
    std::string raw(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string journal = (data[0] & 2) ? framed(raw) : raw;
    const JournalScan scan = scan_journal(journal, header);
    if (scan.valid_bytes > journal.size()) __builtin_trap();
    if (scan.torn_tail && (scan.torn_offset > journal.size() || journal.back() == '\n'))
        __builtin_trap();
    for (const BadLine& bad : scan.bad)
        if (bad.reason.empty() || bad.offset >= journal.size()) __builtin_trap();
    (void)header_created_ns(scan.header);
    (void)header_matches(scan.header, JournalBase{true, journal.size(), sha256_hex(journal)});
    ParticipantList list;
    std::string again;
    for (const Json::Value& record : scan.records) {
        apply_record(list, record);
        try {
            again += journal_line(record);
        } catch (const InvalidData&) {
            return 0;  // invalid UTF-8 is read, never written
        }
    }
    (void)journal_is_folded(list, scan.records);
    const JournalScan rescan = scan_journal(again, false);
    if (!rescan.bad.empty() || rescan.records.size() != scan.records.size()) __builtin_trap();
    for (std::size_t i = 0; i < rescan.records.size(); ++i)
        if (!same_entry(rescan.records[i], scan.records[i])) __builtin_trap();
    return 0;
}
