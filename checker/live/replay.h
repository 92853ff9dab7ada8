// `mmcheck replay --live`: every scenario's script run on the real kernel,
// each observation compared with the values the model allows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "checker/live/kernel_profile.h"
#include "model/config.h"
#include <iosfwd>
#include <string>
#include <vector>

#include "checker/live/plan.h"
#include "checker/live/program.h"

namespace mmc::live {

struct ReplayOptions {
  std::vector<std::string> paths;  // files, or directories (their `live` scenarios)
  std::string work_dir;            // where C files, binaries and the swapfile go
  bool keep = false;               // keep the C files and binaries
  bool verbose = false;            // print the program's TAP output too
  int timeout_s = 60;
  bool counterexamples = false;    // also replay each explore block's shortest counterexample
  std::string config;              // --config: compare with this instead of the probed profile
  std::string record;              // --record FILE.json: write every observation with the kernel profile
  // --max-memory-mb: bounds the model's side (the sets of states behind the
  // allowed values, the counterexample search); nullopt: the default.
  std::optional<uint64_t> max_memory_mb;
  bool progress = false;           // a line per scenario on stderr (--progress; on by default on a terminal)
};

struct Verdict {
  const Observation* obs = nullptr;
  bool printed = false;   // the program printed a value for it
  uint64_t kernel = 0;
  bool agree = false;
};
// Each observation of the plan against what the program printed.
// The model config a live run compares with: --config, or the running
// kernel's probed profile (`mmcheck kernel`).  nullopt with `status` set (2: a
// bad --config, 77: a kernel that fits no model config) and the reason on err.
struct ReplayConfig {
  mm::Config cfg;
  std::string from;  // "from --config" / "probed: ..."
  bool uffd_wp = true, uffd_wp_unpopulated = true;
  std::string madv_collapse = "ok";  // the probe's answer: "ok", or why live MADV_COLLAPSE cannot run
  std::string thp_fault = "ok";      // the probe's answer for live `thp` mappings
  ProbeResults probe;  // what the kernel showed (recorded with --record)
};
std::optional<ReplayConfig> replay_config(const ReplayOptions& opt, std::ostream& err, int& status);

// What every live run starts from: the scenario files (explicit files
// always, `live` ones from a directory; second = explicit), root, and the
// model config.  nullopt with `status` set (2: a path that does not exist or
// a bad --config, 77: not root or a kernel no model config fits).
struct LiveRun {
  std::vector<std::pair<std::string, bool>> files;
  std::optional<ReplayConfig> config;
};
std::optional<LiveRun> start_live_run(const ReplayOptions& opt, std::ostream& err, int& status);

// The value the program printed for o (derived from its parts for a pair or
// a same-frame observation), nullopt when it stopped before printing it.
std::optional<uint64_t> observed_value(const Observation& o, const ProgramOutput& out);
std::vector<Verdict> compare(const Plan& plan, const ProgramOutput& out);
// "agree     FILE:LINE: TEXT: kernel V, model allows {..}" (or DISAGREE).
std::string verdict_line(const std::string& file, const Verdict& v);

// Returns the exit status: 0 all agree, 1 a disagreement, 2 bad input,
// 77 impossible here (not root, swapon refused).
int replay_live(const ReplayOptions& opt, std::ostream& out, std::ostream& err);

// Whether the script pages out (a MADV_PAGEOUT or a reclaim step): without a
// swap of its own, its program would push pages to the machine's own swap.
bool uses_pageout(const scenario::Scenario& sc);

// The .scenario files below `dir`, sorted.
std::vector<std::string> scenario_files_below(const std::string& dir);

// Directory of the running mmcheck binary (the build directory).
std::string binary_dir();

// A work directory: `given` when non-empty (created, kept), else a fresh
// mmcheck-XXXXXX under $TMPDIR (or /tmp), removed with everything in it at
// destruction.  When that filesystem is tmpfs (no swapfiles there), the
// fresh directory goes under the build directory instead.
class TempDir {
 public:
  explicit TempDir(const std::string& given);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void keep() { owned_ = false; }

 private:
  std::string path_;
  bool owned_ = false;
};

}  // namespace mmc::live
