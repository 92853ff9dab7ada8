#include "proofs/obligation.h"
namespace mmproofs {
std::vector<Obligation> anon_bmc_obligations() { return {}; }
}  // namespace mmproofs
