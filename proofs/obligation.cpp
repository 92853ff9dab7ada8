#include "proofs/obligation.h"

#include "proofs/shmem_proofs.h"

namespace mmproofs {

const std::vector<Obligation>& obligations() {
  static const std::vector<Obligation> all = [] {
    std::vector<Obligation> v;
    for (auto group : {encoding_obligations, anon_simulation_obligations, anon_induction_obligations, anon_bmc_obligations,
                       shmem_obligations})
      for (auto& o : group()) v.push_back(std::move(o));
    return v;
  }();
  return all;
}

}  // namespace mmproofs
