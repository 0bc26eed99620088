// The library-backed identifiers: the journal CRC (zlib) must stay the one
// every existing journal was written with, and new GUIDs (libuuid) must
// look like the PHP app's uid-to-GUID script's.
#define BOOST_TEST_DYN_LINK
#include "storage/journal.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>

#include "models/account.hpp"

BOOST_AUTO_TEST_SUITE(ids)

BOOST_AUTO_TEST_CASE(journal_crc_is_the_ieee_crc32_of_earlier_journals) {
    BOOST_TEST(ems::storage::crc32("123456789") == 0xcbf43926u);  // the standard check value
    BOOST_TEST(ems::storage::crc32("") == 0u);
    // A record line written before the switch to zlib (hand-written table).
    BOOST_TEST(ems::storage::crc32(R"({"op":"del","key":"7"})") == 0x03ceeb87u);
}

BOOST_AUTO_TEST_CASE(new_guid_is_a_lower_case_version_4_uuid_and_unique) {
    static const std::regex v4(
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto g = ems::account::new_guid();
        BOOST_TEST(std::regex_match(g, v4), g);
        seen.insert(g);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
