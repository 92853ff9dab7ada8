// The shmem / PTE-marker obligations of `mmcheck prove` (docs/proofs.md):
// the simulation check of the one-page shmem abstraction against mm::apply,
// inductive pm_swap_accuracy facts for any number of processes, and the
// BMC/BFS cross-checks of the PM_SWAP seed thread.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "proofs/obligation.h"
#include "proofs/shmem_abstraction.h"
#include "proofs/shmem_explicit.h"

namespace mmproofs {
std::vector<Obligation> shmem_obligations();
}

namespace mmproofs::shmem {

struct SimulationResult {
  long transitions = 0;  // explicit transitions checked
  long states = 0;
  std::string failure;   // empty when every transition matched an abstract step
};
// Explicit model under `model_preset`, abstraction with the knobs of
// `abstraction_preset` (a different preset shows the check can fail).
SimulationResult simulate(const std::string& model_preset, const std::string& abstraction_preset, uint8_t swap_flags,
                          int depth, bool huge = false, bool memfd = false, bool pins = true);

struct BmcResult {
  int length = -1;       // shortest number of steps to the target; -1: none up to the bound
  bool unknown = false;  // Z3 gave up
  std::vector<SEvent> events;
  SState<ConcreteDomain> last{};  // the state reached
};
// Shortest abstract path from `init` to a state violating `facets` of
// pm_swap_accuracy, at most `max_depth` steps and `max_procs` processes
// created; choices fixed false.
BmcResult bmc(const SParams<ConcreteDomain>& params, const SState<ConcreteDomain>& init,
              const std::vector<SEvent>& alphabet, unsigned facets, int max_depth, int max_procs,
              const ProofOptions& opt);

// The same to any target predicate.
using BmcTarget = std::function<z3::expr(const SState<Z3Domain>&, const SParams<Z3Domain>&)>;
BmcResult bmc_to(const SParams<ConcreteDomain>& params, const SState<ConcreteDomain>& init,
                 const std::vector<SEvent>& alphabet, const BmcTarget& target, int max_depth, int max_procs,
                 const ProofOptions& opt);

// The abstract events standing for the explicit kinds of `alphabet`.
std::vector<SEvent> abstract_alphabet(const std::vector<mm::EventKind>& alphabet);

// Replay abstract events from the scenario's explicit initial state,
// checking alpha() against the abstract successor at every step.
struct Replay {
  bool ok = false;
  std::string why;
  mm::State final_state{};
  std::vector<std::string> lines;
};
Replay replay(const Scenario& sc, const std::vector<SEvent>& events);

// The groups, concatenated by mmproofs::shmem_obligations().
std::vector<Obligation> simulation_obligations();
std::vector<Obligation> induction_obligations();
std::vector<Obligation> bmc_obligations();

}  // namespace mmproofs::shmem
