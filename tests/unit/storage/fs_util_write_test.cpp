// storage/fs_util: write_file_atomic, the one durable write (storage files,
// mail outbox, profile pictures): whole content, the mode asked for, no
// temp file left when the write cannot happen.
#define BOOST_TEST_DYN_LINK
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "storage/file_storage.hpp"
#include "storage/fs_util.hpp"

namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        char tmpl[] = "/tmp/ems-fsutil-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_fs_util_write)

BOOST_AUTO_TEST_CASE(writes_whole_content_with_the_mode_asked_for) {
    Dir d;
    const std::string big(3 * 1024 * 1024 + 17, 'x');  // more than one write() may take
    ems::storage::write_file_atomic(d.path / "a.json", big);
    BOOST_TEST(read(d.path / "a.json") == big);
    BOOST_TEST(mode_of(d.path / "a.json") == ems::storage::file_mode);
    ems::storage::write_file_atomic(d.path / "p.png", "png", 0644);
    BOOST_TEST(mode_of(d.path / "p.png") == 0644u);
    BOOST_TEST(entries(d.path) == 2u);  // no temp file left behind
}

BOOST_AUTO_TEST_CASE(replaces_and_creates_missing_folders) {
    Dir d;
    const auto p = d.path / "sub" / "deeper" / "f.eml";
    ems::storage::write_file_atomic(p, "old");
    ems::storage::write_file_atomic(p, "new");
    BOOST_TEST(read(p) == "new");
    BOOST_TEST(entries(p.parent_path()) == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_rename_leaves_no_temp_and_throws_storage_error) {
    // A folder where the file should be: rename() fails (EISDIR) even for root.
    Dir d;
    fs::create_directory(d.path / "taken");
    ems::storage::write_file_atomic(d.path / "taken" / "inside", "kept");
    BOOST_CHECK_THROW(ems::storage::write_file_atomic(d.path / "taken", "new"),
                      ems::storage::StorageError);
    BOOST_TEST(fs::is_directory(d.path / "taken"));
    BOOST_TEST(read(d.path / "taken" / "inside") == "kept");
    BOOST_TEST(entries(d.path) == 1u);  // the temp file was removed
}

BOOST_AUTO_TEST_SUITE_END()
