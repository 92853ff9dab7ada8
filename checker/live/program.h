// Compiling and running an emitted reproducer, and reading its output.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mmc::live {

// cc (or $CC) -std=c11 -Wall -Wextra -Werror.  False with the compiler's
// output in `log` when it fails.
bool compile_c(const std::string& c_file, const std::string& binary, std::string& log);

struct ProgramRun {
  std::string output;   // stdout
  int exit_status = -1; // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
};
// Runs `binary` with no arguments; kills it after `timeout_s` seconds.
ProgramRun run_program(const std::string& binary, int timeout_s);

struct TapLine {
  int n = 0;
  bool ok = false;
  bool skip = false;
  std::string text;
};

struct ProgramOutput {
  std::map<int, uint64_t> obs;    // "# obs ID VALUE"
  std::vector<TapLine> tests;     // "ok N ..." / "not ok N ..."
  int planned = -1;               // "1..N"
  std::vector<std::string> bail;  // "Bail out! ..."
  std::vector<std::string> malformed;  // lines that fit no format
};
ProgramOutput parse_output(const std::string& text);

}  // namespace mmc::live
