// Scenario files: parsing and errors.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "checker/scenario/ast.h"

namespace mmc::scenario {

// Bad input, reported as `FILE:LINE:COL: error: what is wrong; what would be right`.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, Loc loc, std::string message);
  std::string file;
  Loc loc;
  std::string message;
};

// Parses `text` (named `file` in errors).  Throws ScenarioError.
Scenario parse_scenario(std::string_view text, const std::string& file);
// The largest scenario file load_scenario reads (also from a pipe or a
// device): 16 MiB, far above any real scenario (the suite's largest is a
// few KB) and enough for generated ones of 10 MB.  Past it: a ScenarioError.
inline constexpr size_t MAX_SCENARIO_BYTES = size_t{16} << 20;
// Reads and parses the file at `path`.  Throws ScenarioError, and
// engine::MemoryBoundHit (`incomplete`, exit 3) when the parsed file does
// not fit the memory bound: `max_memory_mb` (--max-memory-mb; nullopt: the
// default), cut to what the machine and ulimit -v leave.
Scenario load_scenario(const std::string& path, std::optional<uint64_t> max_memory_mb = std::nullopt);

// The scenario printed back in canonical form (`mmcheck show`): fixed
// statement order, one space between words, no comments.  Parsing the
// canonical form gives the same scenario.
std::string canonical_form(const Scenario& s);

}  // namespace mmc::scenario
