// `mmcheck replay FILE --live --runs N`: the program run N times, and per
// observation each value the kernel showed with how often, and whether the
// model allows it -- as klitmus7 prints a litmus test's histogram.
// Values are compared as `replay` compares them (live::comparable: PFNs
// and swap offsets, which are allocation order, are dropped).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "checker/live/plan.h"
#include "checker/live/program.h"
#include "checker/live/replay.h"

namespace mmc::live {

struct ObservationCounts {
  const Observation* obs = nullptr;
  std::map<uint64_t, int> seen;  // comparable value -> runs that showed it
  int missing = 0;               // runs that printed no value for it (stopped early)
};

// One scenario's histogram over its runs.
struct Histogram {
  std::string file;
  const Plan* plan = nullptr;
  int runs = 0;
  std::vector<ObservationCounts> obs;  // plan order
  std::map<int, int> tap_failed;       // TAP test number -> runs where it failed
  std::map<int, std::string> tap_text;
  int timed_out = 0, killed = 0;       // runs killed by the timeout / by a signal

  Histogram(std::string file, const Plan& plan);
  void add(const ProgramRun& run, const ProgramOutput& out);
  // Values seen that the model does not allow, and runs with no value.
  int forbidden() const;
  int missing() const;
  void print(std::ostream& out) const;
};

// Compiles each scenario's program once and runs it `runs` times; prints
// one histogram per scenario.  Exit status as replay_live: 0 every value
// seen is allowed, 1 one is not (or an expectation failed, or a run printed
// nothing), 2 bad input, 77 impossible here.
int replay_histogram(const ReplayOptions& opt, int runs, std::ostream& out, std::ostream& err);

}  // namespace mmc::live
