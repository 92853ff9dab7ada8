// Model II: shmem page cache, PTE markers, userfaultfd write-protect,
// soft-dirty, and the six model-II invariants, in kernel terms.  The seed
// threads' own tests (the PTE-marker cover letter's functional test, the
// xarray RFC's hexdump) are reproduced bit for bit where they give bits.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/encoding.h"
#include "model/events.h"
#include "model/invariants.h"
#include "model/mm.h"
#include "model/observe.h"
#include "model/setup.h"

namespace {

using namespace mm;

constexpr uint64_t P = enc::PM_PRESENT, S = enc::PM_SWAP, X = enc::PM_MMAP_EXCLUSIVE, F = enc::PM_FILE,
                   W = enc::PM_UFFD_WP, SD = enc::PM_SOFT_DIRTY, G = enc::PM_GUARD_REGION;
constexpr uint64_t FLAGS = P | S | X | F | W | SD | G;

Config preset(const char* name) {
  auto c = config_preset(name);
  REQUIRE(c.has_value());
  return *c;
}

// One machine: process A (index 0) and one async swap device (type 0)
// unless `swap` is false.
struct Sh {
  Config cfg;
  State s{};
  explicit Sh(const char* config = "v6.18", bool swap = true) : cfg(preset(config)) {
    REQUIRE(create_process(s) == 0);
    if (swap) REQUIRE(swapon(s, 0) == 0);
  }
  // mmap of a new shmem inode of `npages` (shared anon or memfd); the first page.
  int map(VmaKind kind, int npages = 1, uint8_t vm_flags = 0, int inode = -1, int proc = 0) {
    if (kind != VmaKind::PrivateAnon && inode < 0) inode = shmem_create(s, npages);
    int start = do_mmap(s, proc, kind, npages, vm_flags, inode, 0, cfg);
    REQUIRE(start >= 0);
    return start;
  }
  Status ev(EventKind k, int proc, int page, int arg = 0) {
    return apply(s, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), static_cast<uint8_t>(arg)}, cfg)
        .status;
  }
  Status read(int p, int pg) { return ev(EventKind::ReadFault, p, pg); }
  Status write(int p, int pg, int v) { return ev(EventKind::WriteFault, p, pg, v); }
  Status pageout(int p, int pg) { return ev(EventKind::MadvPageout, p, pg); }
  Status dontneed(int p, int pg) { return ev(EventKind::MadvDontneed, p, pg); }
  Status remove(int p, int pg) { return ev(EventKind::MadvRemove, p, pg); }
  Status split(int p, int pg) { return ev(EventKind::SplitPmd, p, pg); }
  Status wp(int p, int pg) { return ev(EventKind::UffdWpProtect, p, pg); }
  Status unwp(int p, int pg) { return ev(EventKind::UffdWpUnprotect, p, pg); }
  Status clear_refs(int p) { return ev(EventKind::ClearRefs, p, 0); }
  Status writeback(int f) { return ev(EventKind::WritebackEnd, 0, 0, f); }
  Status drop(int f) { return ev(EventKind::SwapCacheDrop, 0, 0, f); }
  Status reclaim(int f) { return ev(EventKind::Reclaim, 0, 0, f); }
  int fork(int p) {
    REQUIRE(ev(EventKind::Fork, p, 0) == Status::Done);
    for (int i = MAX_PROCS - 1; i >= 0; i--)
      if (s.proc[i].alive == PROC_ALIVE && s.proc[i].parent == p) return i;
    FAIL("no child");
    return -1;
  }
  const Pte& pte(int p, int pg) const { return s.proc[p].pte[pg]; }
  const PcEntry& pc(int inode, int idx) const { return s.inode[inode].pc[idx]; }
  uint64_t pm(int p, int pg) const { return pagemap_read(s, p, pg, cfg).entry; }
  uint64_t flags(int p, int pg) const { return pm(p, pg) & FLAGS; }
  int lookups(int p, int pg) const { return pagemap_read(s, p, pg, cfg).page_cache_lookups; }
  int mc(int p, int pg) const { return mincore_byte(s, p, pg, cfg); }
  int val(int p, int pg) const { return read_value(s, p, pg); }
  bool present(int p, int pg) const { return (pm(p, pg) & P) != 0; }
  bool swapbit(int p, int pg) const { return (pm(p, pg) & S) != 0; }
  uint32_t check(const char* inv) const {
    const Invariant* i = find_invariant(inv);
    REQUIRE(i != nullptr);
    return i->check(s, cfg);
  }
  // The invariants the kernel guarantees (pm_swap_accuracy,
  // soft_dirty_persistence and pagemap_exclusive measure documented
  // inaccuracies of pagemap and are checked one by one).
  bool all_hold() const {
    for (const char* inv : {"anon_exclusive", "stable_writes", "cow_isolation", "swap_accounting",
                            "mincore_semantics", "uffd_wp_persistence", "lseek_is_pure"})
      if (check(inv)) return false;
    return true;
  }
  std::string explain() const {
    std::string out;
    for (const Invariant& i : invariants())
      if (i.check(s, cfg)) out += std::string(i.name) + ": " + i.explain(s, cfg) + "\n";
    return out;
  }
};

uint32_t facet(const char* inv, const char* name) {
  const Invariant* i = find_invariant(inv);
  REQUIRE(i != nullptr);
  for (size_t b = 0; b < i->facets.size(); b++)
    if (i->facets[b] == name) return 1u << b;
  FAIL("no such facet");
  return 0;
}

// ---- a small breadth-first search over mm::apply (shortest traces) -----
struct Alphabet {
  std::vector<EventKind> per_page;
  std::vector<EventKind> per_proc;
  std::vector<EventKind> per_folio;
  int max_procs = 2;
};

struct Found {
  bool found = false;
  size_t states = 0;
  std::vector<Event> trace;
  State state{};
};

Found bfs(const State& init, const Config& cfg, const Alphabet& a, int depth,
          const std::function<bool(const State&)>& bad) {
  auto key = [](const State& s) { return std::string(reinterpret_cast<const char*>(&s), sizeof s); };
  struct Node {
    State s;
    std::vector<Event> t;
  };
  Found r;
  std::unordered_set<std::string> seen{key(init)};
  std::deque<Node> q{{init, {}}};
  while (!q.empty()) {
    Node n = std::move(q.front());
    q.pop_front();
    r.states++;
    if (bad(n.s)) {
      r.found = true;
      r.trace = n.t;
      r.state = n.s;
      return r;
    }
    if (static_cast<int>(n.t.size()) >= depth) continue;
    int created = 0;
    for (const Process& p : n.s.proc) created += p.alive != PROC_UNUSED;
    std::vector<Event> evs;
    for (int pi = 0; pi < MAX_PROCS; pi++) {
      if (n.s.proc[pi].alive != PROC_ALIVE) continue;
      for (EventKind k : a.per_proc)
        if (k != EventKind::Fork || created < a.max_procs) evs.push_back(Event{k, static_cast<uint8_t>(pi), 0, 0});
      for (int pg = 0; pg < MAX_PAGES; pg++)
        if (find_vma(n.s.proc[pi], pg))
          for (EventKind k : a.per_page) evs.push_back(Event{k, static_cast<uint8_t>(pi), static_cast<uint8_t>(pg), 0});
    }
    for (int f = 0; f < MAX_FOLIOS; f++)
      if (n.s.folio[f].test(FOLIO_ALLOCATED))
        for (EventKind k : a.per_folio) evs.push_back(Event{k, 0, 0, static_cast<uint8_t>(f)});
    for (const Event& e : evs) {
      State next = n.s;
      Outcome o = apply(next, e, cfg);
      if (o.status == Status::Disabled || o.status == Status::OutOfCapacity) continue;
      if (!seen.insert(key(next)).second) continue;
      Node m{next, n.t};
      m.t.push_back(e);
      q.push_back(std::move(m));
    }
  }
  return r;
}

std::string trace_text(const std::vector<Event>& t) {
  std::string out;
  for (const Event& e : t) {
    if (!out.empty()) out += " ";
    out += std::string(event_kind_name(e.kind)) + "(";
    out += is_kernel_event(e.kind) ? "F" + std::to_string(e.arg)
                                   : std::string(1, static_cast<char>('A' + e.proc)) + "," + std::to_string(e.page);
    out += ")";
  }
  return out;
}

std::function<bool(const State&)> violates(const Config& cfg, const char* inv, uint32_t bits) {
  const Invariant* i = find_invariant(inv);
  REQUIRE(i != nullptr);
  return [i, cfg, bits](const State& s) { return (i->check(s, cfg) & bits) != 0; };
}

}  // namespace

// ===== shmem_fault, shmem_swapin_folio, shmem_writeout ======================

TEST_CASE("shmem_fault: a write allocates a page-cache folio; a forked child refaults it from the page cache") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  REQUIRE(m.pc(0, 0).kind == PcKind::Folio);
  CHECK(m.pte(0, pg).a == m.pc(0, 0).a);
  CHECK(!m.s.folio[m.pc(0, 0).a].test(PG_anon));
  CHECK(m.flags(0, pg) == (P | F | X | SD));  // new VMA: VM_SOFTDIRTY
  int b = m.fork(0);
  CHECK(m.pte(b, pg).kind == PteKind::None);  // vma_needs_copy: shared shmem is not copied
  CHECK(m.val(b, pg) == 2);
  REQUIRE(m.read(b, pg) == Status::Done);
  CHECK(m.pte(b, pg).a == m.pte(0, pg).a);    // the same page-cache folio
  CHECK(m.flags(0, pg) == (P | F | SD));      // mapped twice: no PM_MMAP_EXCLUSIVE
  REQUIRE(m.write(b, pg, 3) == Status::Done);
  CHECK(m.val(0, pg) == 3);                   // MAP_SHARED: coherent
  CHECK(m.all_hold());
}

TEST_CASE("shmem_writeout and shmem_swapin_folio: the page cache holds a swap entry, then the folio again") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared);
  m.write(0, pg, 1);
  const int f = m.pte(0, pg).a;
  REQUIRE(m.pageout(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);          // try_to_unmap_one: file PTEs are cleared
  REQUIRE(m.pc(0, 0).kind == PcKind::Swap);           // swap value entry in the xarray
  CHECK(m.s.swap[0].slot[m.pc(0, 0).b].count == 1);   // swap_shmem_alloc: one reference
  CHECK(m.s.folio[f].test(PG_swapcache));
  CHECK(m.s.folio[f].test(PG_writeback));
  CHECK(m.mc(0, pg) == 1);                            // mincore_page: swap cache, uptodate
  CHECK(m.check("swap_accounting") == 0);
  REQUIRE(m.writeback(f) == Status::Done);
  REQUIRE(m.drop(f) == Status::Done);                 // __remove_mapping from the swap cache
  CHECK(!m.s.folio[f].test(FOLIO_ALLOCATED));
  CHECK(m.mc(0, pg) == 0);
  CHECK(m.val(0, pg) == 1);                           // the data lives in the slot
  REQUIRE(m.read(0, pg) == Status::Done);             // shmem_swapin_folio
  REQUIRE(m.pc(0, 0).kind == PcKind::Folio);
  const int g = m.pc(0, 0).a;
  CHECK(!m.s.folio[g].test(PG_swapcache));            // out of the swap cache
  CHECK(m.s.folio[g].test(PG_dirty));                 // the only copy is in memory now
  for (const SwapSlot& sl : m.s.swap[0].slot) CHECK(swap_slot_free(sl));  // swap_free_nr
  CHECK(m.val(0, pg) == 1);
  CHECK(m.all_hold());
}

TEST_CASE("shmem swap-in of a folio still in the swap cache waits for writeback and reuses it") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  m.write(0, pg, 3);
  const int f = m.pte(0, pg).a;
  m.pageout(0, pg);
  REQUIRE(m.s.folio[f].test(PG_writeback));
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).a == f);
  CHECK(m.s.folio[f].flags == (FOLIO_ALLOCATED | PG_uptodate | PG_dirty));
  CHECK(m.val(0, pg) == 3);
  CHECK(m.all_hold());
}

TEST_CASE("reclaim of a clean shmem folio (never written) drops it: the page reads zero again") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  m.read(0, pg);
  const int f = m.pte(0, pg).a;
  REQUIRE(!m.s.folio[f].test(PG_dirty));
  m.pageout(0, pg);
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  CHECK(!m.s.folio[f].test(FOLIO_ALLOCATED));
  CHECK(m.val(0, pg) == 0);
  CHECK(m.all_hold());
}

TEST_CASE("shmem without swap: shmem_writeout redirties, the folio stays in the page cache unmapped") {
  Sh m("v6.18", false);
  int pg = m.map(VmaKind::SharedAnon);
  m.write(0, pg, 2);
  m.pageout(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.pc(0, 0).kind == PcKind::Folio);
  CHECK(m.mc(0, pg) == 1);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.all_hold());
}

TEST_CASE("MADV_PAGEOUT skips a shmem folio mapped by two processes; LRU reclaim unmaps both") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  m.write(0, pg, 1);
  int b = m.fork(0);
  m.read(b, pg);
  const int f = m.pte(0, pg).a;
  m.pageout(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.pte(b, pg).kind == PteKind::None);
  CHECK(m.pc(0, 0).kind == PcKind::Swap);
  CHECK(m.all_hold());
}

TEST_CASE("shmem_evict_inode: a shared-anon inode goes with its last mapping; a memfd stays while its fd is open") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon, 2);
  int inode = shmem_create(m.s, 1);
  int fd = m.map(VmaKind::MemfdShared, 1, 0, inode);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  m.write(0, fd, 3);
  m.pageout(0, pg);
  const int wb = swap_cache_get_folio(m.s, 0, m.pc(0, 0).b);
  REQUIRE(wb >= 0);
  int b = m.fork(0);
  REQUIRE(m.ev(EventKind::Munmap, 0, pg) == Status::Done);
  CHECK(m.pc(0, 1).kind == PcKind::Folio);  // B still maps the range: nothing is evicted
  CHECK(m.val(b, pg) == 1);
  REQUIRE(m.ev(EventKind::Exit, b, 0) == Status::Done);  // the last mapping goes: iput_final
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  CHECK(m.pc(0, 1).kind == PcKind::Empty);
  // The folio still under writeback stays in the swap cache (free_swap_and_cache
  // cannot take it) until writeback ends and reclaim drops it.
  CHECK(m.s.folio[wb].test(PG_swapcache));
  REQUIRE(m.writeback(wb) == Status::Done);
  REQUIRE(m.drop(wb) == Status::Done);
  for (const SwapSlot& sl : m.s.swap[0].slot) CHECK(swap_slot_free(sl));
  REQUIRE(m.ev(EventKind::Exit, 0, 0) == Status::Done);
  REQUIRE(m.pc(inode, 0).kind == PcKind::Folio);  // the memfd's descriptor keeps its data
  CHECK(m.s.folio[m.pc(inode, 0).a].content[0] == 3);
  CHECK(shmem_lseek(m.s, inode, 0, true) == 0);
  CHECK(m.check("swap_accounting") == 0);
}

// ===== MADV_DONTNEED, MADV_REMOVE ===========================================

TEST_CASE("MADV_DONTNEED on shmem zaps the PTE; the data stays in the page cache") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared);
  m.write(0, pg, 2);
  m.dontneed(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.pc(0, 0).kind == PcKind::Folio);
  CHECK(m.mc(0, pg) == 1);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.all_hold());
}

TEST_CASE("MADV_REMOVE punches the hole: folio and swap entry freed, shared PTEs zapped in every process") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon, 2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  m.pageout(0, pg + 1);
  int b = m.fork(0);
  m.read(b, pg);
  REQUIRE(m.remove(b, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.pte(b, pg).kind == PteKind::None);
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  CHECK(m.val(0, pg) == 0);
  REQUIRE(m.remove(0, pg + 1) == Status::Done);  // a swap entry: free_swap_and_cache
  CHECK(m.pc(0, 1).kind == PcKind::Empty);
  for (const SwapSlot& sl : m.s.swap[0].slot) CHECK(sl.count == 0);
  CHECK(shmem_lseek(m.s, 0, 0, true) == -1);
  CHECK(m.all_hold());
}

TEST_CASE("memfd MAP_PRIVATE: reads share the page cache, a write copies (do_cow_fault), MADV_REMOVE spares the copy") {
  Sh m;
  int inode = shmem_create(m.s, 2);
  int sh = m.map(VmaKind::MemfdShared, 2, 0, inode);
  int pv = m.map(VmaKind::MemfdPrivate, 2, 0, inode);
  m.write(0, sh, 1);
  REQUIRE(m.read(0, pv) == Status::Done);
  CHECK(m.pte(0, pv).a == m.pte(0, sh).a);          // the page-cache folio, read-only
  CHECK(!(m.pte(0, pv).bits & PTE_WRITE));
  CHECK(m.flags(0, pv) == (P | F | SD));
  REQUIRE(m.write(0, pv, 3) == Status::Done);       // do_wp_page -> wp_page_copy
  CHECK(m.s.folio[m.pte(0, pv).a].test(PG_anon));
  CHECK(m.flags(0, pv) == (P | X | SD));            // anon copy: no PM_FILE
  CHECK(m.val(0, sh) == 1);                         // the file is unchanged
  REQUIRE(m.write(0, pv + 1, 2) == Status::Done);   // do_cow_fault straight from pte_none
  CHECK(m.val(0, sh + 1) == 0);
  m.write(0, sh, 2);
  CHECK(m.val(0, pv) == 3);                         // the private copy does not follow the file
  REQUIRE(m.remove(0, sh) == Status::Done);         // unmap_mapping_range(even_cows = 0)
  CHECK(m.pte(0, pv).kind == PteKind::Present);
  CHECK(m.val(0, pv) == 3);
  CHECK(m.remove(0, pv) == Status::Disabled);       // MADV_REMOVE needs a shared mapping
  m.pageout(0, pv);                                 // the anon copy goes to a swap PTE
  CHECK(m.pte(0, pv).kind == PteKind::Swap);
  m.remove(0, sh);
  CHECK(m.val(0, pv) == 3);
  CHECK(m.all_hold());
}

TEST_CASE("a R/O pin outlives MADV_REMOVE: the pinned page keeps the old data, the file reads zero") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared);
  m.write(0, pg, 2);
  const int f = m.pte(0, pg).a;
  REQUIRE(m.ev(EventKind::PinRO, 0, pg) == Status::Done);
  REQUIRE(m.remove(0, pg) == Status::Done);
  CHECK(m.s.folio[f].test(FOLIO_ALLOCATED));   // held by the pin only
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  CHECK(m.check("cow_isolation") == 0);        // nothing mapped: nothing to compare yet
  m.read(0, pg);
  CHECK(m.val(0, pg) == 0);
  CHECK(m.s.folio[f].content[0] == 2);         // what the pin still sees
  CHECK(m.check("cow_isolation") == 0);        // the zap detached the pin from the mapping
  REQUIRE(m.ev(EventKind::Unpin, 0, pg) == Status::Done);
  CHECK(!m.s.folio[f].test(FOLIO_ALLOCATED));
  CHECK(m.check("cow_isolation") == 0);
}

// ===== shmem THP ============================================================

TEST_CASE("shmem THP: a VM_HUGEPAGE shared VMA gets a 2-page folio mapped by a PMD; split_huge_pmd zaps it") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon, 2, VM_HUGEPAGE);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.pte(0, pg).a;
  CHECK(m.s.folio[f].test(PG_large));
  CHECK((m.pte(0, pg).bits & PTE_PMD) != 0);
  CHECK((m.pte(0, pg + 1).bits & PTE_PMD) != 0);
  CHECK(m.pte(0, pg + 1).a == f);
  CHECK(m.pc(0, 0).a == f);
  CHECK(m.pc(0, 1).a == f);
  CHECK(m.pc(0, 1).b == 1);
  m.write(0, pg + 1, 2);
  CHECK(m.s.folio[f].content[1] == 2);
  REQUIRE(m.split(0, pg) == Status::Done);  // __split_huge_pmd_locked, file: zap the PMD
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.pte(0, pg + 1).kind == PteKind::None);
  CHECK(m.s.folio[f].test(PG_large));       // the folio stays whole in the page cache
  CHECK(m.val(0, pg + 1) == 2);
  REQUIRE(m.read(0, pg + 1) == Status::Done);  // pmd_none again: do_set_pmd maps it whole
  CHECK((m.pte(0, pg).bits & PTE_PMD) != 0);
  CHECK(m.all_hold());
}

TEST_CASE("shmem THP: uffd-wp on one page splits the PMD first and protects that page with a marker") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon, 2, VM_HUGEPAGE | VM_UFFD_WP);
  m.write(0, pg, 1);
  REQUIRE((m.pte(0, pg).bits & PTE_PMD) != 0);
  REQUIRE(m.wp(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Marker);       // pgtable_split_needed, then change_pte_range on none
  CHECK(m.pte(0, pg + 1).kind == PteKind::None);     // the other half was zapped, unprotected
  CHECK(m.flags(0, pg) == (S | W | SD));
  CHECK(m.write(0, pg, 2) == Status::WpFault);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.write(0, pg + 1, 3) == Status::Done);      // refaults by PTE: the marker keeps the PMD populated
  CHECK(!(m.pte(0, pg + 1).bits & PTE_PMD));
  CHECK(m.all_hold());
}

TEST_CASE("shmem THP: MADV_REMOVE of one half splits the large folio; the other half keeps its data") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared, 2, VM_HUGEPAGE);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  REQUIRE(m.remove(0, pg) == Status::Done);
  CHECK(m.pc(0, 0).kind == PcKind::Empty);
  REQUIRE(m.pc(0, 1).kind == PcKind::Folio);
  CHECK(!m.s.folio[m.pc(0, 1).a].test(PG_large));
  CHECK(m.val(0, pg) == 0);
  CHECK(m.val(0, pg + 1) == 2);
  CHECK(shmem_lseek(m.s, 0, 0, true) == 1);
  CHECK(m.all_hold());
}

// ===== PTE markers, handle_pte_marker =======================================

TEST_CASE("handle_pte_marker: a UFFD_WP marker refaults protected; in an unregistered VMA it is cleared") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared, 1, VM_UFFD_WP);
  m.write(0, pg, 1);
  m.wp(0, pg);
  m.dontneed(0, pg);
  REQUIRE(m.pte(0, pg).kind == PteKind::Marker);
  REQUIRE(m.read(0, pg) == Status::Done);            // do_pte_missing with the marker as orig_pte
  CHECK(m.flags(0, pg) == (P | F | X | W | SD));
  CHECK(!(m.pte(0, pg).bits & PTE_WRITE));
  m.dontneed(0, pg);
  m.s.proc[0].vma[0].flags &= ~VM_UFFD_WP;           // UFFDIO_UNREGISTER leaves markers behind
  REQUIRE(m.write(0, pg, 2) == Status::Done);        // pte_marker_clear, then an ordinary fault
  CHECK(m.flags(0, pg) == (P | F | X | SD));
  CHECK(m.val(0, pg) == 2);
}

TEST_CASE("handle_pte_marker: a GUARD marker is SIGSEGV and reads as PM_SWAP | PM_GUARD_REGION") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon);
  m.s.proc[0].pte[pg] = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_GUARD), 0};
  CHECK(m.pm(0, pg) == (S | G | SD | enc::pagemap_swap_frame(enc::SWP_PTE_MARKER, enc::PTE_MARKER_GUARD)));
  CHECK(m.read(0, pg) == Status::Sigsegv);
  CHECK(m.wp(0, pg) == Status::Disabled);            // not registered
  m.dontneed(0, pg);                                 // ordinary zaps keep guard markers
  CHECK(m.pte(0, pg).kind == PteKind::Marker);
  CHECK(m.mc(0, pg) == 0);
}

TEST_CASE("marker encodings: UFFD_WP reads type 31 offset 1; the RFC's PAGEOUT reads type 31 offset 1 as well") {
  CHECK(enc::SWP_PTE_MARKER == 31);
  Sh m("v6.18");
  int pg = m.map(VmaKind::SharedAnon, 1, VM_UFFD_WP);
  m.wp(0, pg);
  CHECK(m.pm(0, pg) == (S | W | SD | 0x3f));
  Sh r("rfc-pte-marker-pageout");
  int q = r.map(VmaKind::SharedAnon);
  r.write(0, q, 1);
  r.pageout(0, q);
  REQUIRE(r.pte(0, q).kind == PteKind::Marker);
  CHECK(r.pm(0, q) == (S | SD | 0x3f));              // PTE_MARKER_PAGEOUT is bit 0 in the RFC
}

// ===== the cover letter's functional test (FAULT1 .. REMOVE) ================

namespace {
struct Row {
  const char* step;
  int present, swap;
};
// The steps of the RFC's test program (xzpeter/clibs bsd/pagemap.c): one
// MAP_SHARED|MAP_ANONYMOUS page; the second PAGEOUT follows a store of 3.
std::vector<Row> cover_letter_test(const char* config) {
  Sh m(config);
  int pg = m.map(VmaKind::SharedAnon);
  std::vector<Row> rows;
  auto dump = [&](const char* step) { rows.push_back({step, m.present(0, pg), m.swapbit(0, pg)}); };
  m.write(0, pg, 1);
  dump("FAULT1");
  m.pageout(0, pg);
  dump("PAGEOUT");
  m.write(0, pg, 2);
  dump("FAULT2");
  m.remove(0, pg);
  dump("REMOVE");
  m.write(0, pg, 3);
  m.pageout(0, pg);
  dump("PAGEOUT");
  m.remove(0, pg);
  dump("REMOVE");
  return rows;
}
void check_table(const std::vector<Row>& got, const std::vector<Row>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); i++) {
    INFO("step " << i << " " << want[i].step);
    CHECK(got[i].present == want[i].present);
    CHECK(got[i].swap == want[i].swap);
  }
}
}  // namespace

TEST_CASE("cover letter functional test, !CONFIG_PTE_MARKER_PAGEOUT: the swap bit is always 0 (v5.14 and v6.18)") {
  const std::vector<Row> table = {{"FAULT1", 1, 0}, {"PAGEOUT", 0, 0}, {"FAULT2", 1, 0},
                                  {"REMOVE", 0, 0}, {"PAGEOUT", 0, 0}, {"REMOVE", 0, 0}};
  check_table(cover_letter_test("v5.14"), table);
  check_table(cover_letter_test("v6.18"), table);
}

TEST_CASE("cover letter functional test, CONFIG_PTE_MARKER_PAGEOUT: PM_SWAP after each PAGEOUT") {
  const std::vector<Row> table = {{"FAULT1", 1, 0}, {"PAGEOUT", 0, 1}, {"FAULT2", 1, 0},
                                  {"REMOVE", 0, 0}, {"PAGEOUT", 0, 1}, {"REMOVE", 0, 0}};
  check_table(cover_letter_test("rfc-pte-marker-pageout"), table);
}

// ===== pagemap: the xarray RFC ==============================================

TEST_CASE("xarray RFC hexdump: 80 13 01 00 00 00 00 40 is a swap entry of type 0, offset 0x89c") {
  const uint8_t bytes[8] = {0x80, 0x13, 0x01, 0x00, 0x00, 0x00, 0x00, 0x40};
  uint64_t e = 0;
  for (int i = 7; i >= 0; i--) e = (e << 8) | bytes[i];  // /proc/pid/pagemap is little-endian u64s
  CHECK(e == 0x4000000000011380ull);
  CHECK((e & enc::PM_FLAG_BITS) == S);
  const uint64_t frame = e & enc::PM_PFRAME_MASK;
  CHECK(enc::pagemap_frame_type(frame) == 0);
  CHECK(enc::pagemap_frame_offset(frame) == 0x89c);
  CHECK((enc::pagemap_swap_frame(0, 0x89c) | S) == e);
  // The next entry, a0 13 01 .., is the next slot: offset 0x89d.
  CHECK(enc::pagemap_frame_offset(0x113a0) == 0x89d);
  // In-memory entries after clear_refs and a store: 72 6c 1d 00 00 00 80 a1.
  const uint64_t mem = 0xa1800000001d6c72ull;
  CHECK((mem & enc::PM_FLAG_BITS) == (P | F | X | SD));
  // Before the patch (cover letter, a kernel without soft-dirty): e1 6b 06 00 00 00 00 a1.
  CHECK((0xa100000000066be1ull & enc::PM_FLAG_BITS) == (P | F | X));
}

TEST_CASE("xarray RFC example: dirtied then swapped MAP_SHARED|MAP_ANONYMOUS pages read 0 before, a swap entry after") {
  for (const char* config : {"v5.14", "rfc-pagemap-xarray"}) {
    INFO(config);
    Sh m(config);
    m.cfg.CONFIG_MEM_SOFT_DIRTY = false;  // the cover letter's kernel showed no soft-dirty bits
    int pg = m.map(VmaKind::SharedAnon, 2);
    m.write(0, pg, 1);
    m.write(0, pg + 1, 2);
    m.pageout(0, pg);
    const bool rfc = m.cfg.pagemap_shmem_xarray_lookup;
    CHECK(m.pm(0, pg) == (rfc ? (S | enc::pagemap_swap_frame(0, slot_to_offset(m.pc(0, 0).b))) : 0));
    CHECK(m.flags(0, pg + 1) == (P | F | X));
  }
}

TEST_CASE("xarray RFC after clear_refs: swapped pages read PM_SWAP without soft-dirty, resident ones with it") {
  Sh m("rfc-pagemap-xarray");
  int pg = m.map(VmaKind::SharedAnon, 2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 1);
  m.clear_refs(0);
  m.write(0, pg, 2);
  m.write(0, pg + 1, 2);
  m.pageout(0, pg);
  CHECK((m.pm(0, pg) & enc::PM_FLAG_BITS) == S);      // like "80 13 01 00 00 00 00 40"
  CHECK(m.flags(0, pg + 1) == (P | F | X | SD));      // like "72 6c 1d 00 00 00 80 a1"
  CHECK(m.check("soft_dirty_persistence") != 0);      // problem (c): the dirtied, swapped page lost it
}

TEST_CASE("pagemap page-cache lookups per read: none in v6.18 and with markers, one per none shmem PTE with the xarray RFC") {
  struct Want {
    const char* config;
    int swapped, resident, anon;
  };
  for (Want w : {Want{"v5.14", 0, 0, 0}, Want{"v6.18", 0, 0, 0}, Want{"rfc-pte-marker-pageout", 0, 0, 0},
                 Want{"rfc-pagemap-xarray", 1, 0, 0}}) {
    INFO(w.config);
    Sh m(w.config);
    int pg = m.map(VmaKind::SharedAnon, 2);
    int a = m.map(VmaKind::PrivateAnon, 1);
    m.write(0, pg, 1);
    m.write(0, pg + 1, 1);
    m.pageout(0, pg);
    m.write(0, a, 1);
    m.pageout(0, a);
    CHECK(m.lookups(0, pg) == w.swapped);
    CHECK(m.lookups(0, pg + 1) == w.resident);
    CHECK(m.lookups(0, a) == w.anon);
  }
  // A whole read of a shmem range that is all swapped out costs one lookup
  // per page under the RFC, none before: the per-entry work the thread
  // measured as ~4x (10.4s -> 37.4s) for a 50%-dirty shared range.
  Sh before("v5.14"), after("rfc-pagemap-xarray");
  int total_before = 0, total_after = 0;
  for (Sh* m : {&before, &after}) {
    int pg = m->map(VmaKind::SharedAnon, 4);
    for (int i = 0; i < 4; i++) m->write(0, pg + i, 1);
    for (int i = 0; i < 4; i += 2) m->pageout(0, pg + i);  // 50% swapped
    int& total = m == &before ? total_before : total_after;
    for (int i = 0; i < 4; i++) total += m->lookups(0, pg + i);
  }
  CHECK(total_before == 0);
  CHECK(total_after == 2);
}

// ===== mincore and lseek (the reply thread) =================================

TEST_CASE("mincore: 1 while a swapped shmem page or anon page sits in the swap cache, 0 once it left (Tiberiu was right)") {
  Sh m;
  int sh = m.map(VmaKind::SharedAnon);
  int an = m.map(VmaKind::PrivateAnon);
  m.write(0, sh, 1);
  m.write(0, an, 1);
  const int fs = m.pte(0, sh).a, fa = m.pte(0, an).a;
  m.pageout(0, sh);
  m.pageout(0, an);
  CHECK(m.pm(0, sh) == SD);                 // pagemap says nothing for the shmem page
  CHECK(m.swapbit(0, an));
  CHECK(m.mc(0, sh) == 1);                  // filemap_get_incore_folio looks in the swap cache
  CHECK(m.mc(0, an) == 1);                  // mincore_swap: the folio is in the swap cache
  m.writeback(fs);
  m.writeback(fa);
  CHECK(m.mc(0, sh) == 1);                  // still cached after writeback
  CHECK(m.mc(0, an) == 1);
  m.drop(fs);
  m.drop(fa);
  CHECK(m.mc(0, sh) == 0);
  CHECK(m.mc(0, an) == 0);
  CHECK(m.check("mincore_semantics") == 0);
}

TEST_CASE("mincore under the PTE-marker RFC: a PAGEOUT marker is a non-swap entry, mincore says 1 (\"more 1's than it should\")") {
  Sh r("rfc-pte-marker-pageout");
  int pg = r.map(VmaKind::SharedAnon);
  r.write(0, pg, 1);
  const int f = r.pte(0, pg).a;
  r.pageout(0, pg);
  r.writeback(f);
  r.drop(f);
  REQUIRE(r.pte(0, pg).kind == PteKind::Marker);
  CHECK(r.mc(0, pg) == 1);  // v5.14 mincore_pte_range: non_swap_entry -> "always uptodate"
  CHECK(r.check("mincore_semantics") != 0);
  Sh m("v6.18");
  int q = m.map(VmaKind::SharedAnon, 1, VM_UFFD_WP);
  m.write(0, q, 1);
  m.wp(0, q);
  const int g = m.pte(0, q).a;
  m.pageout(0, q);
  m.writeback(g);
  m.drop(g);
  REQUIRE(m.pte(0, q).kind == PteKind::Marker);
  CHECK(m.mc(0, q) == 0);   // pte_none_mostly: a marker is looked up like pte_none
  CHECK(m.check("mincore_semantics") == 0);
}

TEST_CASE("lseek SEEK_DATA on a swapped-out memfd page: data, and nothing is swapped in") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared, 3);
  m.write(0, pg + 1, 1);
  m.pageout(0, pg + 1);
  const int f = m.s.folio[0].test(PG_swapcache) ? 0 : -1;
  REQUIRE(f == 0);
  m.writeback(f);
  m.drop(f);
  const State before = m.s;
  CHECK(shmem_lseek(m.s, 0, 0, true) == 1);   // SEEK_DATA from 0 finds the swap entry
  CHECK(shmem_lseek(m.s, 0, 1, false) == 2);  // SEEK_HOLE from 1
  CHECK(shmem_lseek(m.s, 0, 2, true) == -1);  // ENXIO
  CHECK(m.s == before);
  CHECK(m.pc(0, 1).kind == PcKind::Swap);
  CHECK(m.check("lseek_is_pure") == 0);
}

// ===== userfaultfd write-protect ============================================

TEST_CASE("uffd-wp on anon: a write is a WpFault; the bit survives pageout and swap-in; unprotect restores write") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon, 1, VM_UFFD_WP);
  m.write(0, pg, 1);
  REQUIRE(m.wp(0, pg) == Status::Done);
  CHECK(m.write(0, pg, 2) == Status::WpFault);
  CHECK(m.val(0, pg) == 1);
  m.pageout(0, pg);
  CHECK(m.flags(0, pg) == (S | W | SD));           // pte_swp_mkuffd_wp
  CHECK(m.check("uffd_wp_persistence") == 0);
  m.read(0, pg);                                   // do_swap_page keeps it, read-only
  CHECK(m.flags(0, pg) == (P | X | W | SD));
  CHECK(m.write(0, pg, 2) == Status::WpFault);
  REQUIRE(m.unwp(0, pg) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);         // can_change_pte_writable: exclusive anon
  CHECK(m.write(0, pg, 2) == Status::Done);
  CHECK(m.all_hold());
}

TEST_CASE("uffd-wp on anon: MADV_DONTNEED drops everything, and fork without EVENT_FORK drops it in the child") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon, 2, VM_UFFD_WP);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 1);
  m.wp(0, pg);
  m.wp(0, pg + 1);
  int b = m.fork(0);
  CHECK((m.flags(0, pg) & W) != 0);
  CHECK(!(m.flags(b, pg) & W));                    // copy_present_pte: pte_clear_uffd_wp
  CHECK(!(m.s.proc[b].vma[0].flags & VM_UFFD_WP));
  CHECK(m.wp(b, pg) == Status::Disabled);
  CHECK(m.write(b, pg, 3) == Status::Done);         // the child's write is not caught
  CHECK(m.val(0, pg) == 1);
  m.dontneed(0, pg + 1);
  CHECK(m.pte(0, pg + 1).kind == PteKind::None);   // zap on anon: no marker
  CHECK(m.write(0, pg + 1, 2) == Status::Done);     // a new page, not protected
  CHECK(m.all_hold());
}

TEST_CASE("uffd-wp on shmem: markers keep it across zap and pageout in v6.18; v5.14 loses it") {
  for (const char* config : {"v6.18", "v5.14"}) {
    INFO(config);
    Sh m(config);
    const bool markers = m.cfg.CONFIG_PTE_MARKER_UFFD_WP;
    int pg = m.map(VmaKind::SharedAnon, 2, VM_UFFD_WP);
    m.write(0, pg, 1);
    m.write(0, pg + 1, 1);
    m.wp(0, pg);
    m.wp(0, pg + 1);
    m.dontneed(0, pg);
    m.pageout(0, pg + 1);
    CHECK((m.pte(0, pg).kind == PteKind::Marker) == markers);
    CHECK((m.pte(0, pg + 1).kind == PteKind::Marker) == markers);
    CHECK((m.check("uffd_wp_persistence") != 0) == !markers);
    CHECK((m.write(0, pg + 1, 2) == Status::WpFault) == markers);  // swap-in keeps it
    CHECK(m.val(0, pg + 1) == (markers ? 1 : 2));
  }
}

TEST_CASE("uffd-wp on memfd MAP_PRIVATE: a write to a protected page-cache page is caught before the copy is writable") {
  Sh m;
  int inode = shmem_create(m.s, 1);
  int sh = m.map(VmaKind::MemfdShared, 1, 0, inode);
  int pv = m.map(VmaKind::MemfdPrivate, 1, VM_UFFD_WP, inode);
  m.write(0, sh, 1);
  m.wp(0, pv);                                      // pte_none in a file VMA: marker
  REQUIRE(m.pte(0, pv).kind == PteKind::Marker);
  CHECK(m.write(0, pv, 2) == Status::WpFault);      // do_cow_fault keeps uffd-wp
  CHECK(m.val(0, pv) == 1);
  CHECK(m.val(0, sh) == 1);
  CHECK(m.all_hold());
}

TEST_CASE("UFFDIO_WRITEPROTECT resolve clears a uffd-wp marker outright") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared, 1, VM_UFFD_WP);
  m.wp(0, pg);
  REQUIRE(m.pte(0, pg).kind == PteKind::Marker);
  m.unwp(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.write(0, pg, 1) == Status::Done);
}

// ===== soft-dirty ===========================================================

TEST_CASE("soft-dirty: VM_SOFTDIRTY on a new VMA, clear_refs 4 clears it, a write sets it again") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon, 2);
  CHECK(m.flags(0, pg) == SD);                      // pte_none reports VM_SOFTDIRTY
  m.write(0, pg, 1);
  m.clear_refs(0);
  CHECK(!(m.s.proc[0].vma[0].flags & VM_SOFTDIRTY));
  CHECK(m.flags(0, pg) == (P | X));
  CHECK(!(m.pte(0, pg).bits & PTE_WRITE));          // write-protected for tracking
  m.write(0, pg, 2);
  CHECK(m.flags(0, pg) == (P | X | SD));
  CHECK(m.check("soft_dirty_persistence") == 0);
  Sh off("v6.18");
  off.cfg.CONFIG_MEM_SOFT_DIRTY = false;            // the kernel on these machines
  int q = do_mmap(off.s, 0, VmaKind::PrivateAnon, 1, 0, -1, 0, off.cfg);
  off.write(0, q, 1);
  CHECK(off.flags(0, q) == (P | X));
}

TEST_CASE("soft-dirty: kept in the swap PTE for anon, lost over shmem swap-out (problem (c))") {
  Sh m;
  int an = m.map(VmaKind::PrivateAnon);
  int sh = m.map(VmaKind::SharedAnon);
  m.clear_refs(0);
  m.write(0, an, 1);
  m.write(0, sh, 1);
  CHECK(m.check("soft_dirty_persistence") == 0);
  m.pageout(0, an);
  CHECK(m.flags(0, an) == (S | SD));                // pte_swp_mksoft_dirty
  m.read(0, an);
  CHECK(m.flags(0, an) == (P | X | SD));            // do_swap_page: pte_mksoft_dirty
  CHECK(m.check("soft_dirty_persistence") == 0);
  m.pageout(0, sh);
  CHECK(m.flags(0, sh) == 0);
  CHECK(m.check("soft_dirty_persistence") != 0);
  m.read(0, sh);                                    // refault: a read maps it clean
  CHECK(m.flags(0, sh) == (P | F | X));
  CHECK(m.check("soft_dirty_persistence") != 0);
}

TEST_CASE("soft-dirty: clear_refs leaves a possibly pinned page of a COW mapping alone (pte_is_pinned)") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon);
  m.write(0, pg, 1);
  REQUIRE(m.ev(EventKind::PinRO, 0, pg) == Status::Done);
  m.clear_refs(0);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK((m.flags(0, pg) & SD) != 0);
  CHECK(m.check("soft_dirty_persistence") == 0);
}

// ===== the six model-II invariants ==========================================

TEST_CASE("pm_swap_accuracy: false negatives (v6.18 shmem) and false positives (RFC marker on a dropped page) apart") {
  const uint32_t fn = facet("pm_swap_accuracy", "false-negative"), fp = facet("pm_swap_accuracy", "false-positive");
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  m.write(0, pg, 1);
  CHECK(m.check("pm_swap_accuracy") == 0);
  m.pageout(0, pg);
  CHECK(m.check("pm_swap_accuracy") == fn);
  Sh r("rfc-pte-marker-pageout");
  int q = r.map(VmaKind::SharedAnon);
  r.write(0, q, 1);
  r.pageout(0, q);
  CHECK(r.check("pm_swap_accuracy") == 0);
  Sh c("rfc-pte-marker-pageout");
  int z = c.map(VmaKind::SharedAnon);
  c.read(0, z);                                     // a clean page: reclaim drops it, the marker stays
  c.pageout(0, z);
  CHECK(c.pte(0, z).kind == PteKind::Marker);
  CHECK(c.pc(0, 0).kind == PcKind::Empty);
  CHECK(c.check("pm_swap_accuracy") == fp);
  Sh x("rfc-pagemap-xarray");
  int y = x.map(VmaKind::SharedAnon);
  x.write(0, y, 1);
  x.pageout(0, y);
  CHECK(x.check("pm_swap_accuracy") == 0);
}

TEST_CASE("mincore_semantics, swap_accounting, cow_isolation hold on every shmem state within 5 steps (v6.18)") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon, 1);
  m.map(VmaKind::PrivateAnon, 1);
  (void)pg;
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout, EventKind::MadvDontneed,
                EventKind::MadvRemove};
  a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::WritebackEnd, EventKind::SwapCacheDrop};
  for (const char* inv : {"mincore_semantics", "swap_accounting", "cow_isolation", "lseek_is_pure"}) {
    INFO(inv);
    Found r = bfs(m.s, m.cfg, a, 5, violates(m.cfg, inv, ~0u));
    CHECK(!r.found);
    if (r.found) MESSAGE(trace_text(r.trace));
    CHECK(r.states > 1000);
  }
}

TEST_CASE("mincore_semantics fails on a state whose mincore disagrees with residency") {
  Sh m;
  int pg = m.map(VmaKind::SharedAnon);
  m.write(0, pg, 1);
  m.pageout(0, pg);
  const int f = swap_cache_get_folio(m.s, 0, m.pc(0, 0).b);
  REQUIRE(f >= 0);
  CHECK(m.check("mincore_semantics") == 0);
  m.s.folio[f].flags &= ~PG_uptodate;               // a folio whose read failed: not resident
  CHECK(m.mc(0, pg) == 0);
  CHECK(m.check("mincore_semantics") == 0);          // both sides agree it is not resident
}

TEST_CASE("lseek_is_pure: data the program stored is never a hole; a lost page-cache entry is caught") {
  Sh m;
  int pg = m.map(VmaKind::MemfdShared, 2);
  m.write(0, pg, 1);
  m.pageout(0, pg);
  CHECK(m.check("lseek_is_pure") == 0);
  m.s.inode[0].pc[0] = PcEntry{};                   // as if SEEK_DATA had dropped the swap entry
  CHECK(m.check("lseek_is_pure") != 0);
}

TEST_CASE("uffd_wp_persistence: a wp bit lost at zap is reported") {
  Sh m("v6.18");
  int pg = m.map(VmaKind::SharedAnon, 1, VM_UFFD_WP);
  m.write(0, pg, 1);
  m.wp(0, pg);
  CHECK(m.check("uffd_wp_persistence") == 0);
  m.cfg.CONFIG_PTE_MARKER_UFFD_WP = false;
  m.dontneed(0, pg);
  CHECK(m.check("uffd_wp_persistence") != 0);
}

TEST_CASE("pagemap_exclusive: PM_MMAP_EXCLUSIVE on a page another process reaches through the swap cache") {
  Sh m;
  int pg = m.map(VmaKind::PrivateAnon);
  m.write(0, pg, 1);
  m.pageout(0, pg);
  int b = m.fork(0);
  m.read(b, pg);                                    // swap-in from the shared slot, folio stays cached
  CHECK(m.flags(b, pg) == (P | X | SD));            // mapcount 1 (the real 6.18 kernel agrees)
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK(m.check("pagemap_exclusive") != 0);
  CHECK(m.check("anon_exclusive") == 0);            // the page is not PageAnonExclusive: no bug
}

// ===== the cover letter's accuracy gaps, found by exploration ===============

TEST_CASE("exploration, rfc-pte-marker-pageout: THP split before pageout leaves a none PTE (false negative)") {
  const Config cfg = preset("rfc-pte-marker-pageout");
  const uint32_t fn = facet("pm_swap_accuracy", "false-negative");
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::SplitPmd, EventKind::MadvPageout};
  a.per_folio = {EventKind::Reclaim};
  Sh m("rfc-pte-marker-pageout");
  m.map(VmaKind::SharedAnon, 2, VM_HUGEPAGE);
  Found r = bfs(m.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fn));
  REQUIRE(r.found);
  MESSAGE("THP gap: " << trace_text(r.trace));
  // One process is enough: a write maps a PMD; reclaim (or MADV_PAGEOUT)
  // splits the PMD, which zaps it without a marker, before any PTE could
  // get one.
  REQUIRE(r.trace.size() == 2);
  CHECK(r.trace[0].kind == EventKind::WriteFault);
  CHECK((r.trace[1].kind == EventKind::Reclaim || r.trace[1].kind == EventKind::MadvPageout));
  // The same alphabet without THP: every paged-out page is marked.
  Sh n("rfc-pte-marker-pageout");
  n.map(VmaKind::SharedAnon, 2);
  Found none = bfs(n.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fn));
  CHECK(!none.found);
  if (none.found) MESSAGE(trace_text(none.trace));
}

TEST_CASE("exploration, rfc-pte-marker-pageout: the cover letter's two-process THP sequence") {
  // 0. A and B map P; 1. A's PTE is zapped by a THP split; 2-3. reclaim
  // marks B's PTE; 4. A's stays none.
  Sh m("rfc-pte-marker-pageout");
  int pg = m.map(VmaKind::SharedAnon, 2, VM_HUGEPAGE);
  m.write(0, pg, 1);
  int b = m.fork(0);
  m.s.proc[b].pte[pg] = Pte{};  // B maps page 0 by PTE (a PTE-mapped THP)
  REQUIRE(m.read(b, pg + 1) == Status::Done);
  m.split(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  const int f = m.pc(0, 0).a;
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK((m.check("pm_swap_accuracy") & facet("pm_swap_accuracy", "false-negative")) != 0);
}

TEST_CASE("exploration, rfc-pte-marker-pageout: fork after pageout leaves the child without the marker") {
  const Config cfg = preset("rfc-pte-marker-pageout");
  const uint32_t fn = facet("pm_swap_accuracy", "false-negative");
  Sh m("rfc-pte-marker-pageout");
  m.map(VmaKind::SharedAnon, 1);
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout};
  a.per_proc = {EventKind::Fork};
  Found r = bfs(m.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fn));
  REQUIRE(r.found);
  MESSAGE("fork gap: " << trace_text(r.trace));
  // Three steps: a write, a pageout and a fork -- in either order: a child
  // forked before the pageout that never touched the page has no PTE to
  // mark either.  Forcing the cover letter's order (fork last) also takes 3.
  REQUIRE(r.trace.size() == 3);
  int writes = 0, pageouts = 0, forks = 0;
  for (const Event& e : r.trace) {
    writes += e.kind == EventKind::WriteFault;
    pageouts += e.kind == EventKind::MadvPageout;
    forks += e.kind == EventKind::Fork;
  }
  CHECK(writes == 1);
  CHECK(pageouts == 1);
  CHECK(forks == 1);
  a.max_procs = 1;  // no fork: no false negative at all
  CHECK(!bfs(m.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fn)).found);
  Sh after("rfc-pte-marker-pageout");
  int pg = after.map(VmaKind::SharedAnon, 1);
  after.write(0, pg, 1);
  after.pageout(0, pg);
  CHECK(after.check("pm_swap_accuracy") == 0);
  int b = after.fork(0);
  CHECK(after.pte(b, pg).kind == PteKind::None);
  CHECK(after.check("pm_swap_accuracy") == fn);
}


TEST_CASE("exploration, rfc-pte-marker-pageout: false positives the cover letter does not mention") {
  const Config cfg = preset("rfc-pte-marker-pageout");
  const uint32_t fp = facet("pm_swap_accuracy", "false-positive");
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout};
  a.per_proc = {EventKind::Fork};
  {
    // A clean (never written) page: the marker is installed at unmap, then
    // reclaim just drops the folio -- nothing was swapped.
    Sh m("rfc-pte-marker-pageout");
    m.map(VmaKind::SharedAnon, 1);
    Found r = bfs(m.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fp));
    REQUIRE(r.found);
    MESSAGE("clean-page false positive: " << trace_text(r.trace));
    CHECK(r.trace.size() == 2);
    CHECK(r.trace[0].kind == EventKind::ReadFault);
  }
  {
    // Without a swap device: unmapped, marked, then shmem_writeout redirties.
    Sh m("rfc-pte-marker-pageout", false);
    m.map(VmaKind::SharedAnon, 1);
    a.per_page = {EventKind::WriteFault, EventKind::MadvPageout};
    Found r = bfs(m.s, cfg, a, 4, violates(cfg, "pm_swap_accuracy", fp));
    REQUIRE(r.found);
    MESSAGE("no-swap false positive: " << trace_text(r.trace));
    CHECK(r.trace.size() == 2);
  }
  {
    // The page comes back through another process; the first keeps its marker.
    Sh m("rfc-pte-marker-pageout");
    m.map(VmaKind::SharedAnon, 1);
    a.per_page = {EventKind::WriteFault, EventKind::MadvPageout, EventKind::ReadFault};
    a.per_proc = {EventKind::Fork};
    Found r = bfs(m.s, cfg, a, 5, [&](const State& s) {
      // a dirty page (written) that some process swapped back in
      return violates(cfg, "pm_swap_accuracy", fp)(s) && s.proc[1].alive == PROC_ALIVE &&
             s.proc[1].pte[0].kind == PteKind::Present;
    });
    REQUIRE(r.found);
    MESSAGE("swapped-in-elsewhere false positive: " << trace_text(r.trace));
    CHECK(r.trace.size() == 4);
  }
}

TEST_CASE("exploration, rfc-pagemap-xarray: no PM_SWAP error for shmem within the bounds") {
  const Config cfg = preset("rfc-pagemap-xarray");
  Sh m("rfc-pagemap-xarray");
  m.map(VmaKind::SharedAnon, 2, VM_HUGEPAGE);
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::SplitPmd, EventKind::MadvPageout,
                EventKind::MadvDontneed, EventKind::MadvRemove};
  a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::Reclaim, EventKind::WritebackEnd, EventKind::SwapCacheDrop};
  Found r = bfs(m.s, cfg, a, 5, violates(cfg, "pm_swap_accuracy", ~0u));
  CHECK(!r.found);
  if (r.found) MESSAGE(trace_text(r.trace));
  CHECK(r.states > 1000);
}
