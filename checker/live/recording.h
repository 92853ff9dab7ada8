// Recorded observations (issue 10): `replay --live --record FILE.json`
// writes every observation a live run made together with the kernel's
// profile; `replay --recorded FILE...` re-checks the model against such
// files with no root, no swap and no compiler, so a model change that
// breaks agreement with a real kernel fails CI even where live replay
// cannot run.
//
// Format (schema_version 1): {"schema_version", "note", "synthetic",
// "kernel": {"release", "machine", "boot_params", "profile", "config":
// {knob: bool}, "probe": {...}}, "scenarios": [{"file", "title",
// "observations": [{"id", "line", "kind", "text", "value"}]}]}.  Values are
// the kernel's, in full (pagemap as a hex string, PFN included).
#pragma once
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "checker/live/plan.h"
#include "checker/live/program.h"
#include "model/config.h"

namespace mmc::live {

struct RecordedObs {
  int id = 0, line = 0;
  std::string kind, text;
  uint64_t value = 0;
};
struct RecordedScenario {
  std::string file;  // from the directory named "scenarios" on: "scenarios/live/x.scenario"
  std::string title;
  std::vector<RecordedObs> observations;
};
struct Recording {
  std::string note;
  bool synthetic = false;
  std::string release, machine, profile;
  std::vector<std::string> boot_params;
  mm::Config config;
  std::string probe_json;  // the probe results, as recorded (kept verbatim)
  std::vector<RecordedScenario> scenarios;
};

// One scenario run: what the program printed, per observation.
RecordedScenario record_scenario(const std::string& file, const Plan& plan, const ProgramOutput& out);

// JSON text of a recording (deterministic: sorted as recorded, 2-space indent).
std::string recording_json(const Recording& r);
// Writes FILE atomically (FILE.tmp-PID, then rename).  False with `why`.
bool write_recording(const std::string& path, const Recording& r, std::string& why);
// The most a recording may hold: a live run of every scenario records a
// few hundred KB.  Also the read limit for pipes and devices.
inline constexpr size_t MAX_RECORDING_BYTES = size_t{64} << 20;
// Reads and validates a recording; throws std::runtime_error with "FILE: error: ...".
Recording read_recording(const std::string& path);
// The same from text (`path` names it in messages); the fuzz target's entry.
Recording parse_recording(std::string_view text, const std::string& path);

// `replay --recorded FILE...`: exit 0 all agree, 1 a disagreement, 2 bad
// input, 3 a scenario the memory bound left unchecked.  Of `opt` it uses
// verbose, max_memory_mb and progress.
struct ReplayOptions;
int replay_recorded(const std::vector<std::string>& files, const ReplayOptions& opt, std::ostream& out,
                    std::ostream& err);

}  // namespace mmc::live
