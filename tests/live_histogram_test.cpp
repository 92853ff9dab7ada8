// checker/live/histogram: counting the values of N runs per observation and
// judging each against the model's allowed set (no kernel needed here; the
// live run is tests/cli/live_histogram.sh).
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "checker/live/histogram.h"
#include "checker/live/plan.h"
#include "checker/live/program.h"
#include "model/encoding.h"

using namespace mmc;

namespace {

live::Plan two_observations() {
  live::Plan p;
  live::Observation m;
  m.id = 1;
  m.kind = live::ObsKind::Mincore;
  m.text = "A: mincore p[0]";
  m.loc = scenario::Loc{10, 1};
  m.allowed = {0, 1};
  m.raw = {0, 1};
  p.observations.push_back(m);
  live::Observation pm;
  pm.id = 2;
  pm.kind = live::ObsKind::Pagemap;
  pm.text = "A: pagemap p[0]";
  pm.loc = scenario::Loc{11, 1};
  pm.allowed = {live::comparable(live::ObsKind::Pagemap, mm::enc::PM_PRESENT | mm::enc::PM_MMAP_EXCLUSIVE | 0x100)};
  p.observations.push_back(pm);
  p.tests.push_back(live::TapTest{1, "always A: read p[0] == 1 (line 12)"});
  return p;
}

live::ProgramOutput output(uint64_t mincore, uint64_t pagemap, bool tap_ok) {
  return live::parse_output(
      "1..1\n# obs 1 " + std::to_string(mincore) + "\n# obs 2 " + std::to_string(pagemap) + "\n" +
      (tap_ok ? "ok 1 - read\n" : "not ok 1 - read\n"));
}

}  // namespace

TEST_CASE("histogram: counts per value, PFNs dropped, values the model forbids flagged") {
  const live::Plan plan = two_observations();
  live::Histogram h("t.scenario", plan);
  const uint64_t present_excl = mm::enc::PM_PRESENT | mm::enc::PM_MMAP_EXCLUSIVE;
  live::ProgramRun run;
  run.exit_status = 0;
  // Three runs: different PFNs are the same outcome; one run shows a
  // pagemap entry without the exclusive bit, which the model does not allow.
  h.add(run, output(1, present_excl | 0x1234, true));
  h.add(run, output(1, present_excl | 0x9999, true));
  h.add(run, output(0, mm::enc::PM_PRESENT | 0x42, false));
  CHECK(h.runs == 3);
  REQUIRE(h.obs.size() == 2);
  CHECK(h.obs[0].seen.at(1) == 2);
  CHECK(h.obs[0].seen.at(0) == 1);
  CHECK(h.obs[1].seen.size() == 2);
  CHECK(h.obs[1].seen.at(live::comparable(live::ObsKind::Pagemap, present_excl)) == 2);
  CHECK(h.forbidden() == 1);
  CHECK(h.missing() == 0);
  CHECK(h.tap_failed.at(1) == 1);
  std::ostringstream out;
  h.print(out);
  const std::string text = out.str();
  CHECK(text.find("Histogram t.scenario (3 runs)") != std::string::npos);
  CHECK(text.find("line 10: A: mincore p[0]  (model allows: 0 | 1)") != std::string::npos);
  CHECK(text.find("      2 *> 1 ") != std::string::npos);
  CHECK(text.find("      2 *> present,exclusive ") != std::string::npos);
  CHECK(text.find("      1 :> present ") != std::string::npos);
  CHECK(text.find("NOT ALLOWED by the model") != std::string::npos);
  CHECK(text.find("expectation failed on the kernel in 1 of 3 runs: always A: read p[0] == 1 (line 12)") !=
        std::string::npos);
  CHECK(text.find("1 value the model does not allow") != std::string::npos);
}

TEST_CASE("histogram: a run that stops early counts as a missing value") {
  const live::Plan plan = two_observations();
  live::Histogram h("t.scenario", plan);
  live::ProgramRun run;
  run.signal = 11;
  h.add(run, live::parse_output("1..1\n# obs 1 1\n"));
  CHECK(h.missing() == 1);
  CHECK(h.killed == 1);
  CHECK(h.forbidden() == 0);
  std::ostringstream out;
  h.print(out);
  CHECK(out.str().find("(no value: the program stopped before it)") != std::string::npos);
  CHECK(out.str().find("1 runs died of a signal") != std::string::npos);
}
