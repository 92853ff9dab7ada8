// Small helpers around the Z3 C++ API shared by the obligations.
#pragma once
#include <z3++.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "proofs/obligation.h"

namespace mmproofs {

// A solver with the per-query timeout of the run.
inline z3::solver make_solver(z3::context& c, const ProofOptions& opt) {
  z3::solver s(c);
  z3::params p(c);
  p.set("timeout", opt.timeout_ms);
  s.set(p);
  return s;
}

// Prove `claim` valid: Z3 must find its negation unsatisfiable.  On sat the
// model is handed to `explain`, which writes the counterexample lines.
struct SubClaim {
  std::string what;  // one line: what is claimed
  z3::expr claim;
  std::function<void(const z3::model&, std::vector<std::string>&)> explain;
};

inline ObligationResult prove_all(z3::context& c, const std::vector<SubClaim>& claims,
                                  const ProofOptions& opt) {
  ObligationResult r;
  r.verdict = Verdict::Proved;
  for (const SubClaim& sc : claims) {
    z3::solver s = make_solver(c, opt);
    s.add(!sc.claim);
    switch (s.check()) {
      case z3::unsat:
        r.detail.push_back("holds: " + sc.what);
        break;
      case z3::sat:
        r.verdict = Verdict::Refuted;
        r.detail.push_back("FAILS: " + sc.what);
        if (sc.explain) sc.explain(s.get_model(), r.detail);
        return r;
      default:
        r.verdict = Verdict::Unknown;
        r.detail.push_back("unknown (" + s.reason_unknown() + "): " + sc.what);
        return r;
    }
  }
  return r;
}

// The value of a bit-vector or integer term in a model.
inline uint64_t model_u64(const z3::model& m, const z3::expr& e) {
  return m.eval(e, true).get_numeral_uint64();
}
inline int64_t model_i64(const z3::model& m, const z3::expr& e) {
  return m.eval(e, true).get_numeral_int64();
}
inline bool model_bool(const z3::model& m, const z3::expr& e) {
  return m.eval(e, true).is_true();
}

}  // namespace mmproofs
