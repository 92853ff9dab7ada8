// Proof obligations: named claims checked with Z3 (and, for the bounded
// cross-checks, with an explicit search over the model).  `mmcheck prove`
// runs them; docs/proofs.md explains each one in kernel terms.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace mmproofs {

// What an obligation is expected to end as.
enum class Expect { Proved, Refuted };

// What it ended as.
enum class Verdict {
  Proved,    // the claim holds (Z3 unsat on its negation, or both engines agree)
  Refuted,   // the claim fails; `detail` holds the counterexample in kernel terms
  Unknown,   // Z3 gave up (timeout) or a bound was hit
};

struct ObligationResult {
  Verdict verdict = Verdict::Unknown;
  std::vector<std::string> detail;  // lines shown under the verdict line
};

struct ProofOptions {
  unsigned timeout_ms = 20000;  // Z3 "timeout" per solver query
  bool deep = false;            // larger explicit bounds (minutes instead of seconds)
};

struct Obligation {
  std::string name;     // e.g. "encoding.pagemap_swap_frame"
  std::string meaning;  // one line for --list
  Expect expect = Expect::Proved;
  std::function<ObligationResult(const ProofOptions&)> run;
};

// Every obligation, in a fixed order.
const std::vector<Obligation>& obligations();

// Registries of each group (one per source file), concatenated by obligations().
std::vector<Obligation> encoding_obligations();
std::vector<Obligation> anon_induction_obligations();
std::vector<Obligation> anon_simulation_obligations();
std::vector<Obligation> anon_bmc_obligations();

}  // namespace mmproofs
