#include "proofs/obligation.h"
namespace mmproofs {
std::vector<Obligation> anon_induction_obligations() { return {}; }
}  // namespace mmproofs
