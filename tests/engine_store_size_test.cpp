// The store size a distributed run reports (checker/engine/mpi/store_size.h)
// is computed from counts; it must equal what a real single-process store
// holds, or `explore --mpi` and `explore` would print different reports.
#include <doctest/doctest.h>

#include "checker/engine/collapse_store.h"
#include "checker/engine/explorer.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/mpi/store_size.h"
#include "checker/workloads/workloads.h"

using namespace mmc::engine;

namespace {

Workload builtin(const char* name) {
  auto w = mmc::workloads::make_workload(name, *mm::config_preset("v6.18"));
  REQUIRE(w.has_value());
  return *w;
}

SearchLimits limits(uint64_t max_states) {
  SearchLimits lim;
  lim.max_states = max_states;
  return lim;
}

}  // namespace

TEST_CASE("store size from counts: the collapse store and the parent array") {
  for (uint64_t max_states : {uint64_t{1}, uint64_t{5000}, uint64_t{20'000'000}}) {
    CAPTURE(max_states);
    Workload w = builtin("anon-stable-writes");
    MmModel m(w, true);
    CollapseStore store;
    RawRun run = Explorer<MmModel, CollapseStore>(m, store, limits(max_states)).run();
    PartCounts c{store.proc_parts().size(), store.tuple_parts().size(), store.folio_parts().size(),
                 store.rest_parts().size()};
    CHECK(collapse_store_bytes(run.states, c) == store.bytes());
    CHECK(collapse_store_bytes(run.states, c) + parent_array_bytes(run.states, m.initial().size()) ==
          run.store_bytes);
  }
}

TEST_CASE("store size from counts: the fingerprint store") {
  Workload w = builtin("anon-stable-writes-sync");
  MmModel m(w, true);
  FingerprintStore<MmNode> store;
  RawRun run = Explorer<MmModel, FingerprintStore<MmNode>>(m, store, limits(20'000'000)).run();
  CHECK(fingerprint_store_bytes(run.states) == store.bytes());
  CHECK(fingerprint_store_bytes(run.states) + parent_array_bytes(run.states, m.initial().size()) == run.store_bytes);
}
