// Hostile and large scenario inputs: many unnamed expectations (each gets
// its own derived name), the input size limit, directories and devices given as a
// file, and text the language must reject with a position.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

std::string many_unnamed_expectations(int n) {
  std::string t = "scenario \"big\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\n";
  for (int i = 0; i < n; i++) t += "expect A: read p[0] == 1\n";
  return t;
}

// "LINE:COL: message" of the error a text produces.
std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "t.scenario");
  } catch (const ScenarioError& e) {
    return std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": " + e.message;
  }
  return "no error";
}

const std::string kHead = "scenario \"t\"\nconfig v6.18\nprocess A B\n";

}  // namespace

TEST_CASE("unnamed expectations with one derived name: each gets its own") {
  // 40,000 identical expectations: derived names A.read(p[0])==1, ...#2, ...
  // #40000.  That this is linear in the file (a quadratic name search took
  // about 50 s here) is measured by scripts/scale, not timed in a test.
  const int n = 40000;
  const std::string text = many_unnamed_expectations(n);
  Scenario s = parse_scenario(text, "big.scenario");
  ScenarioRun r = run_scenario(s, RunOptions{});
  REQUIRE(r.configs.size() == 1);
  REQUIRE(r.configs[0].observations.size() == static_cast<size_t>(n));
  CHECK(r.configs[0].observations.front().name == "A.read(p[0])==1");
  CHECK(r.configs[0].observations[1].name == "A.read(p[0])==1#2");
  CHECK(r.configs[0].observations.back().name == "A.read(p[0])==1#" + std::to_string(n));
  CHECK(r.ok());
}

TEST_CASE("derived names stay unique next to names given with 'as'") {
  std::string t = "scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\n"
                  "expect A: read p[0] == 1\nexpect A: read p[0] == 1 as x\nexpect A: read p[0] == 1\n";
  Scenario s = parse_scenario(t, "t.scenario");
  std::vector<std::string> names;
  for (const auto& it : s.items)
    if (it.is_expect()) names.push_back(it.expect().name);
  CHECK(names == std::vector<std::string>{"A.read(p[0])==1", "x", "A.read(p[0])==1#2"});
}

TEST_CASE("a directory given as a scenario file is reported as one") {
  auto dir = std::filesystem::temp_directory_path();
  try {
    load_scenario(dir.string());
    FAIL("a directory parsed");
  } catch (const ScenarioError& e) {
    CHECK(e.message.find("is a directory") != std::string::npos);
  }
}

TEST_CASE("input past the size limit stops with a clear error, also for an endless device") {
  try {
    load_scenario("/dev/zero");
    FAIL("/dev/zero parsed");
  } catch (const ScenarioError& e) {
    CHECK(e.message.find("larger than") != std::string::npos);
    CHECK(e.message.find(std::to_string(MAX_SCENARIO_BYTES >> 20) + " MiB") != std::string::npos);
  }
  // A regular file one byte past the limit: same error, read no further.
  auto path = std::filesystem::temp_directory_path() / "mmcheck-limit-test.scenario";
  {
    std::ofstream out(path, std::ios::binary);
    std::string block(1 << 20, '#');
    for (size_t i = 0; i < (MAX_SCENARIO_BYTES >> 20); i++) out << block;
    out << '\n';
  }
  try {
    load_scenario(path.string());
    FAIL("an oversized file parsed");
  } catch (const ScenarioError& e) {
    CHECK(e.message.find("larger than") != std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST_CASE("symmetric groups name each process once") {
  CHECK(error_of(kHead + "symmetric A A\n") == "4:13: 'A' is named twice in this symmetric group; "
                                               "name each interchangeable process once");
  CHECK(error_of(kHead + "symmetric A B\nsymmetric B A\n").rfind("5:11: 'B' is already in the symmetric group "
                                                                   "of line 4",
                                                                   0) == 0);
  CHECK(error_of(kHead + "symmetric A B\n") == "no error");
}

TEST_CASE("control characters, NUL included, are rejected with their position") {
  std::string nul_in_string = "scenario \"a";
  nul_in_string += '\0';
  nul_in_string += "b\"\nconfig v6.18\n";
  CHECK(error_of(nul_in_string).rfind("1:12: control character 0x00", 0) == 0);
  std::string nul_outside = kHead + "process C";
  nul_outside += '\0';
  nul_outside += "\n";
  CHECK(error_of(nul_outside).rfind("4:10: control character 0x00", 0) == 0);
  CHECK(error_of(kHead + "source \"a\x01\"\n").rfind("4:10: control character 0x01", 0) == 0);
  // Tabs and carriage returns are white space; UTF-8 in strings is text.
  CHECK(error_of("scenario \"caf\xc3\xa9\"\r\n\tconfig v6.18\n") == "no error");
}

TEST_CASE("invalid UTF-8 is rejected where it is: JSON output could not carry it") {
  // Found by tests/fuzz/fuzz_run: a title with byte 0x9c parsed, then
  // `run --json` died in the JSON writer (internal error).
  CHECK(error_of("scenario \"MADV\x9cPAGEOUT\"\n").rfind("1:15: invalid UTF-8 byte 0x9c", 0) == 0);
  CHECK(error_of(kHead + "# comment \xc3\n").rfind("4:11: invalid UTF-8 byte 0xc3", 0) == 0);   // truncated sequence
  CHECK(error_of(kHead + "source \"\xc0\xaf\"\n").rfind("4:9: invalid UTF-8 byte 0xc0", 0) == 0);  // overlong
  CHECK(error_of(kHead + "source \"\xed\xa0\x80\"\n").rfind("4:9: invalid UTF-8 byte 0xed", 0) == 0);  // surrogate
  CHECK(error_of(kHead + "source \"\xf4\x90\x80\x80\"\n").rfind("4:9: invalid UTF-8 byte 0xf4", 0) == 0);  // > U+10FFFF
  CHECK(error_of(kHead + "source \"\xe2\x82\xac \xf0\x9f\x98\x80\"\n") == "no error");
}
