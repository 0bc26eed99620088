// libFuzzer target: a JSON file of the PHP app's storage (users, events,
// participant lists), read as FileStorage reads it (parse_json, the
// php_file options) and, for a list, filled into a ParticipantList as
// load_base does. What reads must write back in the PHP layout
// (encode_php_json, encode_list) and, from the second writing on, read
// again to the same text, or be
// refused as InvalidData (invalid UTF-8 in a string, which is allowed in
// files but never written).
#include <json/json.h>

#include <cstdint>
#include <string>

#include "storage/file_storage.hpp"
#include "storage/participant_state.hpp"
#include "storage/php_json.hpp"

using namespace ems::storage;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto root = parse_json(text, &error);
    if (!root) {
        if (error.empty()) __builtin_trap();
        return 0;
    }
    try {
        // Written, read and written again gives the same text: the writer
        // keeps file order and layout. From the second writing on: the
        // first may change a value's type as PHP's json_encode does (-0.0
        // is written "-0", which reads back as the integer 0; an integer
        // past int64 becomes a float).
        const auto once = parse_json(encode_php_json(*root), &error);
        if (!once) __builtin_trap();
        const std::string doc = encode_php_json(*once);
        const auto again = parse_json(doc, &error);
        if (!again || encode_php_json(*again) != doc) __builtin_trap();
    } catch (const InvalidData&) {
    }
    if (!root->isObject() && !root->isArray()) return 0;
    ParticipantList list;
    fill_from_json(list, *root);
    try {
        auto back = parse_json(encode_list(list), &error);
        if (!back) __builtin_trap();
        ParticipantList reread;
        fill_from_json(reread, *back);
        if (reread.size() != list.size()) __builtin_trap();
    } catch (const InvalidData&) {
    }
    return 0;
}
