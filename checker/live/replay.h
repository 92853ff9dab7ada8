// `mmcheck replay --live`: every scenario's script run on the real kernel,
// each observation compared with the values the model allows.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace mmc::live {

struct ReplayOptions {
  std::vector<std::string> paths;  // files, or directories (their `live` scenarios)
  std::string work_dir;            // where C files, binaries and the swapfile go
  bool keep = false;               // keep the C files and binaries
  bool verbose = false;            // print the program's TAP output too
  int timeout_s = 60;
};

// Returns the exit status: 0 all agree, 1 a disagreement, 2 bad input,
// 77 impossible here (not root, swapon refused).
int replay_live(const ReplayOptions& opt, std::ostream& out, std::ostream& err);

// The .scenario files below `dir`, sorted.
std::vector<std::string> scenario_files_below(const std::string& dir);

// Directory of the running mmcheck binary (the build directory).
std::string binary_dir();

}  // namespace mmc::live
