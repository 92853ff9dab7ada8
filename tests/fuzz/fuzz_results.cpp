// libFuzzer target: the results reader behind `regress --baseline`
// (scenario/results_file), then the comparison that walks what it accepted:
// against itself (no differences), against nothing, and a fresh run's
// shape against it.
#include <cstdio>
#include <cstdlib>

#include "checker/scenario/report.h"
#include "checker/scenario/results_file.h"
#include "tests/fuzz/json_reader_target.h"

using namespace mmc::scenario;

namespace {
void compare_every_way(const nlohmann::json& j) {
  if (!compare_results(j, j).empty()) {
    std::fprintf(stderr, "a results file differs from itself\n");
    std::abort();
  }
  const nlohmann::json empty = {{"schema_version", RESULTS_SCHEMA_VERSION}, {"scenarios", nlohmann::json::array()}};
  (void)compare_results(j, empty);
  (void)compare_results(empty, j);
}
}  // namespace

MMCHECK_JSON_FUZZ_TARGET(parse_results, compare_every_way)
