// Canonical form: folio ids and swap slots are names only; processes are
// renamed only when declared interchangeable.
#include <doctest/doctest.h>

#include <utility>

#include "model/canonical.h"
#include "model/config.h"
#include "model/events.h"
#include "model/invariants.h"
#include "model/setup.h"

using namespace mm;

namespace {

struct World {
  Config cfg = *config_preset("v6.18");
  State s{};
  explicit World(int procs, int pages) {
    for (int p = 0; p < procs; p++) {
      REQUIRE(create_process(s) == p);
      REQUIRE(do_mmap(s, p, VmaKind::PrivateAnon, pages, 0, -1, 0, cfg) == 0);
    }
    REQUIRE(swapon(s, 0) == 0);
  }
  World& ev(EventKind k, int proc, int page, int arg = 0) {
    Outcome o = apply(s, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), static_cast<uint8_t>(arg)}, cfg);
    REQUIRE(o.status == Status::Done);
    return *this;
  }
  World& write(int p, int pg, int v) { return ev(EventKind::WriteFault, p, pg, v); }
  World& pageout(int p, int pg) { return ev(EventKind::MadvPageout, p, pg); }
  World& zap(int p, int pg) { return ev(EventKind::MadvDontneed, p, pg); }
};

State canon(const State& s) {
  State c = s;
  canonicalize_resources(c);
  return c;
}

}  // namespace

TEST_CASE("folio ids are renamed to first-reference order") {
  // p[1] written first gets F0; written second it gets F1.  Same class.
  World a(1, 2), b(1, 2);
  a.write(0, 0, 1).write(0, 1, 2);
  b.write(0, 1, 2).write(0, 0, 1);
  CHECK_FALSE(a.s == b.s);
  CHECK(canon(a.s) == canon(b.s));
  CHECK(canon(a.s).proc[0].pte[0].a == 0);
  CHECK(canon(a.s).proc[0].pte[1].a == 1);
  // Different contents are a different class.
  World c(1, 2);
  c.write(0, 0, 2).write(0, 1, 1);
  CHECK_FALSE(canon(c.s) == canon(a.s));
}

TEST_CASE("swap slots are renamed per device, with every reference") {
  World a(1, 2), b(1, 2);
  a.write(0, 0, 1).write(0, 1, 2).pageout(0, 0).pageout(0, 1);
  b.write(0, 0, 1).write(0, 1, 2).pageout(0, 1).pageout(0, 0);
  CHECK_FALSE(a.s == b.s);
  const State ca = canon(a.s), cb = canon(b.s);
  CHECK(ca == cb);
  // The renamed state is still consistent: swap accounting holds in it.
  CHECK(find_invariant("swap_accounting")->check(ca, a.cfg) == 0);
  CHECK(find_invariant("anon_exclusive")->check(ca, a.cfg) == 0);
  // Folio -> slot links follow the slots.
  for (const Folio& f : ca.folio)
    if (f.test(PG_swapcache)) CHECK(ca.swap[f.swap_type].slot[f.swap_slot].has_cache == 1);
}

TEST_CASE("an orphaned swap-cache folio is named whatever its old id") {
  // Page p[0] paged out and zapped while under writeback leaves a folio only
  // the swap cache holds; reached through different ids it is one class.
  World a(1, 2), b(1, 2);
  a.write(0, 0, 1).write(0, 1, 2).pageout(0, 0).zap(0, 0);
  b.write(0, 1, 2).write(0, 0, 1).pageout(0, 0).zap(0, 0);
  CHECK_FALSE(a.s == b.s);
  CHECK(canon(a.s) == canon(b.s));
}

TEST_CASE("interchangeable processes collapse; others do not") {
  World a(2, 1), b(2, 1);
  a.write(0, 0, 1);  // A wrote, B did not
  b.write(1, 0, 1);  // B wrote, A did not
  CHECK_FALSE(canonicalize(a.s, 0) == canonicalize(b.s, 0));
  CHECK(canonicalize(a.s, 0b11) == canonicalize(b.s, 0b11));
  // Asymmetric: different values are not the same state under any renaming.
  World c(2, 1);
  c.write(1, 0, 2);
  CHECK_FALSE(canonicalize(a.s, 0b11) == canonicalize(c.s, 0b11));
  // Only members of the mask are permuted: with slots {1,2} interchangeable,
  // A (slot 0) keeps its name.
  CHECK_FALSE(canonicalize(a.s, 0b110) == canonicalize(b.s, 0b110));
}

TEST_CASE("process permutation renames parent fields") {
  World a(1, 1);
  a.write(0, 0, 1).ev(EventKind::Fork, 0, 0);
  REQUIRE(a.s.proc[1].parent == 0);
  const uint8_t swap01[MAX_PROCS] = {1, 0, 2};
  State p = permute_processes(a.s, swap01);
  CHECK(p.proc[0].parent == 1);
  CHECK(p.proc[1].parent == NONE);
  CHECK(canonicalize(p, 0b011) == canonicalize(a.s, 0b011));
  CHECK_FALSE(canonicalize(p, 0) == canonicalize(a.s, 0));
}

TEST_CASE("canonicalization is idempotent and keeps invariant verdicts") {
  World a(2, 2);
  a.write(0, 1, 1).write(1, 0, 2).pageout(1, 0).write(0, 0, 3).pageout(0, 1);
  const State c = canonicalize(a.s, 0b11);
  CHECK(canonicalize(c, 0b11) == c);
  for (const Invariant& inv : invariants()) CHECK(inv.check(c, a.cfg) == inv.check(a.s, a.cfg));
}
