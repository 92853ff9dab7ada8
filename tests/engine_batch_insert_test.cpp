// The BFS merge's batched insertion (CollapseStore::insert_batch) must
// give exactly what inserting one by one gives: the same fresh flags, the
// same ids, the same store size in bytes; whatever order the partitions
// run in (threads), and also when probes leave their partition (a small,
// well filled table defers many of them to the serial pass).
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "checker/engine/collapse_store.h"
#include "checker/engine/mm_model.h"
#include "checker/workloads/workloads.h"

using namespace mmc::engine;

namespace {

// Successors of the first states of a workload, breadth-first, repeats
// kept (as a merge window sees them), at most `limit` of them.
std::vector<MmNode> successors(const MmModel& m, size_t limit) {
  std::vector<MmNode> out, level = m.initial();
  while (out.size() < limit && !level.empty()) {
    std::vector<MmNode> next;
    for (const MmNode& n : level) {
      m.expand(n, [&](const MmNode& s) {
        if (out.size() < limit) out.push_back(s);
        next.push_back(s);
      });
      if (out.size() >= limit) break;
    }
    level.swap(next);
  }
  return out;
}

// `pre` inserted one by one into both stores, then `batch` (absent from
// them, repeats allowed) one by one into one and as a batch into the other.
void check_batch(const std::vector<MmNode>& pre, const std::vector<MmNode>& nodes, bool reverse_partitions) {
  CollapseStore one, batch;
  for (const MmNode& n : pre) {
    one.insert(n);
    batch.insert(n);
  }
  std::vector<uint8_t> fresh_one;
  for (const MmNode& n : nodes) fresh_one.push_back(one.insert(n).second ? 1 : 0);

  std::vector<CollapseStore::Hint> hints(nodes.size());
  for (size_t i = 0; i < nodes.size(); i++) {
    REQUIRE(batch.find(nodes[i], 0, &hints[i]) < 0);  // nothing of the batch is stored before it
    if (!CollapseStore::hint_complete(hints[i])) batch.complete_hint(nodes[i], hints[i]);
  }
  REQUIRE(batch.batch_fits(nodes.size()));
  std::vector<uint8_t> fresh;
  std::vector<size_t> ran;
  batch.insert_batch(hints, fresh, [&](size_t k, const std::function<void(size_t)>& fn) {
    for (size_t j = 0; j < k; j++) {
      const size_t p = reverse_partitions ? k - 1 - j : j;
      ran.push_back(p);
      fn(p);
    }
  });
  CHECK(ran.size() == 2 * CollapseStore::PARTITIONS);
  CHECK(fresh == fresh_one);
  CHECK(batch.size() == one.size());
  CHECK(batch.bytes() == one.bytes());
  for (const MmNode& n : nodes) CHECK(batch.find(n) == one.find(n));
  for (const MmNode& n : pre) CHECK(batch.find(n) == one.find(n));
  // Stored nodes rebuild byte for byte.
  for (uint32_t id = 0; id < batch.size(); id++) CHECK(batch.node(id) == one.node(id));
}

}  // namespace

TEST_CASE("batched insertion gives the one-by-one ids") {
  auto w = mmc::workloads::make_workload("anon-fork-swap", *mm::config_preset("v6.18"));
  REQUIRE(w.has_value());
  MmModel m(*w, false);
  // Distinct successors in the order a search meets them.
  std::vector<MmNode> distinct;
  {
    CollapseStore s;
    for (const MmNode& n : successors(m, 20000))
      if (s.insert(n).second) distinct.push_back(n);
  }
  REQUIRE(distinct.size() >= 2700);
  // A new store has 4096 slots (64 partitions of 64, batches up to 3/4 of
  // it): 1400 stored first, then 1300 new ones and 260 repeats of them in
  // one batch fill it to 2/3, so many probes run off their partition's end.
  const std::vector<MmNode> pre(distinct.begin(), distinct.begin() + 1400);
  std::vector<MmNode> nodes(distinct.begin() + 1400, distinct.begin() + 2700);
  // Each repeat goes at a position inside the vector as it is then (7i + 5
  // ran past its end: undefined behaviour, found by ASan), as a copy.
  for (size_t i = 0; i < 260; i++) {
    const MmNode repeat = nodes[5 * i];
    nodes.insert(nodes.begin() + static_cast<long>((7 * i + 5) % nodes.size()), repeat);
  }
  check_batch(pre, nodes, false);
  check_batch(pre, nodes, true);
}
