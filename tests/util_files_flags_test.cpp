// The shared helpers behind "no silent success": the numeric-flag rule every
// command uses, atomic output files, and the bounded reader.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checker/cli/flags.h"
#include "checker/util/atomic_file.h"
#include "checker/util/bounded_read.h"

namespace fs = std::filesystem;

TEST_CASE("whole numbers: one rule and one message for every numeric flag") {
  using mmc::cli::check_whole_number;
  CHECK(check_whole_number("1", 1, 1024).empty());
  CHECK(check_whole_number("1024", 1, 1024).empty());
  CHECK(check_whole_number("-3", -5, 5).empty());
  CHECK(check_whole_number("0", 1, 1024) == "'0' is not a whole number between 1 and 1024");
  for (const char* bad : {"-1", "1025", "", "-", "+", "1.5", "1e3", "x", " 1", "0x10", "99999999999999999999"})
    CHECK_MESSAGE(!check_whole_number(bad, 1, 1024).empty(), bad);
  CHECK(check_whole_number("9223372036854775807", 0, std::numeric_limits<long long>::max()).empty());
  CHECK(!check_whole_number("9223372036854775808", 0, std::numeric_limits<long long>::max()).empty());
}

TEST_CASE("a valid numeric flag reaches CLI11 in canonical decimal (it converts with base 0: 010 is octal)") {
  for (auto [in, out] : {std::pair{"010", "10"}, {"+5", "5"}, {"-0", "0"}, {"007", "7"}}) {
    std::string v = in;
    CHECK(mmc::cli::whole_number(0, 100)(v).empty());
    CHECK_MESSAGE(v == out, in);
    std::string u = in[0] == '-' ? "0" : in;
    CHECK(mmc::cli::whole_number_u64(0)(u).empty());
    CHECK_MESSAGE(u == out, in);
  }
}

TEST_CASE("output files are replaced whole, never left half-written or beside a temporary") {
  fs::path dir = fs::temp_directory_path() / "mmcheck-atomic-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "out.json").string();
  CHECK(mmc::util::write_file_atomically(path, "first\n").empty());
  CHECK(mmc::util::write_file_atomically(path, "second\n").empty());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "second\n");
  // A directory that does not exist: an error, nothing created.
  CHECK(mmc::util::write_file_atomically((dir / "no" / "x.json").string(), "x") == "No such file or directory");
  CHECK(mmc::util::write_file_atomically(dir.string(), "x") == "is a directory");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);  // out.json only: no NAME.tmp.XXXXXX left behind
  // A device is written in place, not renamed over.
  CHECK(mmc::util::write_file_atomically("/dev/null", "x").empty());
  CHECK(fs::is_character_file("/dev/null"));
  if (fs::exists("/dev/full")) CHECK(mmc::util::write_file_atomically("/dev/full", "x") == "No space left on device");
  fs::remove_all(dir);
}

TEST_CASE("the bounded reader: exactly the limit is fine, one byte more is not") {
  fs::path p = fs::temp_directory_path() / "mmcheck-bounded-test.txt";
  { std::ofstream(p) << std::string(100, 'a'); }
  CHECK(mmc::util::read_bounded(p.string(), 100).status == mmc::util::ReadStatus::Ok);
  CHECK(mmc::util::read_bounded(p.string(), 100).text.size() == 100);
  CHECK(mmc::util::read_bounded(p.string(), 99).status == mmc::util::ReadStatus::TooLarge);
  CHECK(mmc::util::read_bounded("/dev/zero", 1000).status == mmc::util::ReadStatus::TooLarge);
  CHECK(mmc::util::read_bounded(fs::temp_directory_path().string(), 1000).status ==
        mmc::util::ReadStatus::IsDirectory);
  CHECK(mmc::util::read_bounded("/nonexistent/x", 1000).status == mmc::util::ReadStatus::CannotOpen);
  CHECK(mmc::util::size_words(16u << 20) == "16 MiB");
  fs::remove(p);
}
