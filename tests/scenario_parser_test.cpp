// The scenario language: parsing, positions of errors, canonical form.
#include <doctest/doctest.h>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

const char* kExample = R"(# a comment line
scenario "fork after pageout"   # trailing comment
source "mm/memory.c copy_nonpresent_pte"
config v6.18 v5.14 +CONFIG_PTE_MARKER_PAGEOUT
set pagemap_show_pfn=0
swap sda async stable_writes
process A
A: p = mmap 2 private thp
A: write p[1] 3
A: madvise p[1] MADV_PAGEOUT
kernel: writeback p[1]
A: fork B
expect sometimes B: pagemap p[1] present=0 swap=1 frame=sda:1 under v6.18
expect never A: mincore p[0] == 1 as untouched
explore depth 9 events write fault fork<=1
check stable_writes holds under v5.14+CONFIG_PTE_MARKER_PAGEOUT
)";

// The error a text produces, as "LINE:COL: message".
std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "t.scenario");
  } catch (const ScenarioError& e) {
    return std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": " + e.message;
  }
  return "no error";
}

const std::string kHead = "scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 2 private\n";

}  // namespace

TEST_CASE("a scenario parses into header, declarations, script, explore and checks") {
  Scenario s = parse_scenario(kExample, "x.scenario");
  CHECK(s.title == "fork after pageout");
  CHECK(s.source == "mm/memory.c copy_nonpresent_pte");
  REQUIRE(s.configs.size() == 2);
  CHECK(s.configs[0].display_name() == "v6.18");
  CHECK(s.configs[1].display_name() == "v5.14+CONFIG_PTE_MARKER_PAGEOUT");
  REQUIRE(s.sets.size() == 1);
  CHECK(s.sets[0].first == "pagemap_show_pfn");
  CHECK_FALSE(s.sets[0].second);
  REQUIRE(s.swaps.size() == 1);
  CHECK(s.swaps[0].stable_writes);
  CHECK_FALSE(s.swaps[0].sync);
  REQUIRE(s.items.size() == 7);
  CHECK(s.items[0].step().kind == StepKind::Mmap);
  CHECK(s.items[0].step().thp);
  CHECK(s.items[0].step().npages == 2);
  CHECK(s.items[1].step().kind == StepKind::Write);
  CHECK(s.items[1].step().page.index == 1);
  CHECK(s.items[1].step().value == 3);
  CHECK(s.items[2].step().event == mm::EventKind::MadvPageout);
  CHECK(s.items[3].step().kind == StepKind::Kernel);
  CHECK(s.items[3].step().event == mm::EventKind::WritebackEnd);
  CHECK(s.items[4].step().name == "B");
  const Expect& e = s.items[5].expect();
  CHECK(s.items[5].is_expect());
  CHECK(e.quant == Quant::Sometimes);
  CHECK(e.under == "v6.18");
  REQUIRE(e.fields.size() == 3);
  CHECK(e.fields[2].field == "frame@sda");
  CHECK(e.fields[2].value == 1);
  CHECK(e.name == "B.pagemap(p[1]){present=0,swap=1,frame=sda:1}");
  CHECK(s.items[6].expect().name == "untouched");
  CHECK(s.items[6].expect().quant == Quant::Never);
  REQUIRE(s.explore);
  CHECK(s.explore->position == 7);  // after every script item before it
  CHECK(s.explore->depth == 9);
  REQUIRE(s.explore->events.size() == 3);
  CHECK(s.explore->events[2].limit == 1);
  REQUIRE(s.checks.size() == 1);
  CHECK(s.checks[0].under == "v5.14+CONFIG_PTE_MARKER_PAGEOUT");
}

TEST_CASE("the canonical form parses back to itself") {
  Scenario s = parse_scenario(kExample, "x.scenario");
  std::string once = canonical_form(s);
  std::string twice = canonical_form(parse_scenario(once, "canonical"));
  CHECK(once == twice);
  CHECK(once.find("# a comment") == std::string::npos);
  CHECK(once.find("expect never A: mincore p[0] == 1 as untouched\n") != std::string::npos);
  CHECK(once.find("as untouched\nexplore depth 9 events write fault fork<=1\ncheck") != std::string::npos);
}

TEST_CASE("errors carry line and column and say what would be right") {
  CHECK(error_of(kHead + "A: jump p[0]\n").rfind("5:4: unknown step 'jump'; steps are", 0) == 0);
  CHECK(error_of(kHead + "A: write p[2] 1\n").rfind("5:12: page index 2 is out of range; mapping 'p' has 2 pages", 0) == 0);
  CHECK(error_of(kHead + "B: read p[0]\n").rfind("5:1: undefined process 'B'", 0) == 0);
  CHECK(error_of(kHead + "A: read q[0]\n").rfind("5:9: undefined mapping 'q'", 0) == 0);
  CHECK(error_of("scenario \"t\nconfig v6.18\n").rfind("1:10: missing closing quote", 0) == 0);
  CHECK(error_of("scenario \"t\"\nconfig v6.18 +nope\n").rfind("2:14: unknown config knob 'nope'", 0) == 0);
  CHECK(error_of(kHead + "A: write p[0x] 1\n").rfind("5:12: bad number '0x'", 0) == 0);
  CHECK(error_of(kHead + "expect A: read p[0] == 1 under v5.14\n").rfind("5:32: 'under v5.14' names a config", 0) == 0);
  CHECK(error_of("scenario \"t\"\nprocess A\n").rfind("1:1: the scenario names no config", 0) == 0);
  // A name used after fork is known; before it is not.
  CHECK(error_of(kHead + "A: fork B\nB: read p[0]\n") == "no error");
  CHECK(error_of(kHead + "B: read p[0]\nA: fork B\n").rfind("5:1: undefined process 'B'", 0) == 0);
}

TEST_CASE("--config values: a preset with knobs on top") {
  ConfigSpec c = parse_config_option("anon-exclusive-v2-inverted+CONFIG_PTE_MARKER_PAGEOUT-pte_swp_exclusive");
  CHECK(c.preset == "anon-exclusive-v2-inverted");
  REQUIRE(c.knobs.size() == 2);
  CHECK(c.knobs[0] == std::make_pair(std::string("CONFIG_PTE_MARKER_PAGEOUT"), true));
  CHECK(c.knobs[1] == std::make_pair(std::string("pte_swp_exclusive"), false));
  CHECK(c.display_name() == "anon-exclusive-v2-inverted+CONFIG_PTE_MARKER_PAGEOUT-pte_swp_exclusive");
  CHECK_THROWS_AS(parse_config_option("v9"), ScenarioError);
  CHECK_THROWS_AS(parse_config_option("v6.18+nosuch"), ScenarioError);
}
