// libFuzzer target: the scenario parser.  Any byte string either parses or
// fails with a ScenarioError that has a position; a parsed scenario's
// canonical form (`mmcheck show`) parses back to the same canonical form.
// Anything else -- a crash, another exception, a sanitizer report, a hang
// (-timeout) -- is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "checker/scenario/parser.h"

using namespace mmc::scenario;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Scenario s;
  try {
    s = parse_scenario(text, "fuzz.scenario");
  } catch (const ScenarioError& e) {
    if (e.loc.line < 1 || e.loc.col < 1) {
      std::fprintf(stderr, "error without a position: %s\n", e.what());
      std::abort();
    }
    return 0;
  }
  const std::string canon = canonical_form(s);
  std::string again;
  try {
    again = canonical_form(parse_scenario(canon, "canonical.scenario"));
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "the canonical form does not parse: %s\n--- canonical form:\n%s", e.what(), canon.c_str());
    std::abort();
  }
  if (again != canon) {
    std::fprintf(stderr, "canonical form is not a fixed point\n--- first:\n%s--- second:\n%s", canon.c_str(),
                 again.c_str());
    std::abort();
  }
  return 0;
}
