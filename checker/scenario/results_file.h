// Reading a `regress --json` results file back (`regress --baseline`):
// bounded in size, parsed, and checked to have the shape compare_results
// walks, so a hand-edited, truncated or hostile file is an error message,
// never a crash or an exception from deep inside the comparison.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mmc::scenario {

// The largest results file `--baseline` reads: 256 MiB (the whole suite's is
// under 200 KB).
inline constexpr size_t MAX_RESULTS_BYTES = size_t{256} << 20;

// "" when `j` has the shape of a results file (fields compare_results reads
// have the right types), else what is wrong, e.g. "scenarios[3].configs[0]:
// 'observations' is not an array".
std::string results_shape_error(const nlohmann::json& j);

// Parses results text (the fuzz target's entry point); false with `why` set
// on bad JSON or a bad shape.
bool parse_results(std::string_view text, nlohmann::json& out, std::string& why);

// Reads and parses the results file at `path` (size-limited).
bool read_results_file(const std::string& path, nlohmann::json& out, std::string& why);

}  // namespace mmc::scenario
