// Bad input never crashes: mutated scenario texts either parse and run, or
// fail with a ScenarioError that has a position.  Deterministic (fixed seed).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

const std::vector<std::string> kBases = {
    "scenario \"a\"\nconfig v6.18 v5.14\nswap sda async stable_writes\nprocess A\nA: p = mmap 2 private thp\n"
    "A: write p[0] 1\nA: madvise p[0] MADV_PAGEOUT\nkernel: writeback p[0]\nA: fork B\nB: read p[0]\n"
    "expect B: pagemap p[0] present=1 frame=sda:1\nexpect sometimes A: mincore p[0] == 1\nA: pin p[1]\n"
    "A: split p[0]\nB: exit\nexpect folios == 1\n",
    "scenario \"b\"\nconfig v6.18 +CONFIG_PTE_MARKER_PAGEOUT\nbackground none\nswap sda sync\nfile f = memfd 2\n"
    "process A\nA: m = mmap f shared uffd-wp\nA: q = mmap 1 memfd-private\nA: uffd-wp m[0] on\n"
    "A: write m[1] 2\nA: madvise m[1] MADV_REMOVE\nexpect lseek f SEEK_DATA 0 == ENXIO\nA: clear_refs\n"
    "expect never A: pte m[0] write=1 under v6.18+CONFIG_PTE_MARKER_PAGEOUT as w\nA: munmap q\n",
};

const std::vector<std::string> kTokens = {"p[0]", "p[7]", "A:", "B:", "kernel:", "==", "=", "<=", "\"", "#",
                                          "[", "]", ":", "0x", "99999999999999999999999", "-1", "fork B",
                                          "exit", "write", "expect", "never", "under", "as", "mmap", "4",
                                          "\n", "MADV_REMOVE", "in B", "f", "offset 3", "set", "live"};

struct Lcg {
  uint64_t x;
  uint64_t next(uint64_t n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  }
};

}  // namespace

TEST_CASE("mutated scenario files never crash: they run or fail with a positioned ScenarioError") {
  Lcg rnd{12345};
  int parsed = 0, rejected = 0;
  for (int i = 0; i < 3000; i++) {
    std::string t = kBases[rnd.next(kBases.size())];
    int edits = 1 + static_cast<int>(rnd.next(3));
    for (int k = 0; k < edits; k++) {
      size_t pos = rnd.next(t.size() + 1);
      // Whole-line edits keep many texts valid, so the runner is exercised
      // too; character edits exercise the lexer and parser.
      size_t bol = t.rfind('\n', pos == 0 ? 0 : pos - 1);
      bol = bol == std::string::npos ? 0 : bol + 1;
      size_t eol = t.find('\n', pos);
      eol = eol == std::string::npos ? t.size() : eol + 1;
      switch (rnd.next(6)) {
        case 0:
        case 1: t.erase(bol, eol - bol); break;                     // drop a line
        case 2: t.insert(bol, t.substr(bol, eol - bol)); break;     // repeat a line
        case 3: t.insert(pos, kTokens[rnd.next(kTokens.size())] + " "); break;
        case 4: t.erase(pos, 1 + rnd.next(8)); break;
        default: t.insert(pos, 1, static_cast<char>(1 + rnd.next(255))); break;
      }
    }
    try {
      Scenario s = parse_scenario(t, "fuzz.scenario");
      parsed++;
      RunOptions opt;
      opt.max_script_states = 2000;
      run_scenario(s, opt);
    } catch (const ScenarioError& e) {
      rejected++;
      CHECK(e.loc.line >= 1);
      CHECK(e.loc.col >= 1);
      CHECK_FALSE(e.message.empty());
    }
  }
  // Both paths were taken many times.
  CHECK(parsed > 300);
  CHECK(rejected > 100);
}
