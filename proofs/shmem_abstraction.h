// A counter abstraction of ONE shmem page (one page-cache index of one
// MAP_SHARED shmem inode) for any number of processes, and the transition
// relation of each event, written once.
//
// The tracked object is the data at the index: the page-cache entry (a
// folio, a swap entry, or nothing) and, after shmem_writeout, the folio in
// the swap cache for that swap entry.  Processes that map the shared VMA are
// counted by their PTE for the index: present (p), none (n), the RFC's
// PAGEOUT marker (m), present through a PMD of a large folio (h); live
// processes without the VMA (munmapped) are u.
//
// THP (a VM_HUGEPAGE VMA of two pages over an aligned index pair, the
// model's "huge" shmem folio): the index's folio may be large, covering the
// next index too; a fault maps it by a PMD, and splitting the PMD
// (split_huge_pmd, MADV_DONTNEED, reclaim's split_folio) ZAPS it: both
// PTEs become none, and no PAGEOUT marker is left.  Process events act on
// the tracked index only; the next index is seen only through e1 (its
// page-cache entry is empty, so a fault may allocate a large folio).
//
// Each event function mirrors the model function of the same kernel name in
// model/*.cpp (shmem.cpp, fault.cpp do_fault, reclaim.cpp, zap.cpp,
// fork.cpp, gup.cpp) restricted to a MAP_SHARED VMA with VM_WRITE and no
// userfaultfd registration.  It is a template over the domains
// of proofs/anon_abstraction.h: numbers (replays, simulation) or Z3 terms.
#pragma once
#include <array>
#include <string_view>

#include "proofs/anon_abstraction.h"

namespace mmproofs::shmem {

using anon::ConcreteDomain;
using anon::Z3Domain;

template <class D>
struct SState {
  using B = typename D::B;
  using I = typename D::I;
  B pcF;    // the page-cache entry is a folio F
  B pcS;    // the page-cache entry is a swap value entry (slot count 1)
  B sc;     // F sits in the swap cache for that entry (after shmem_writeout)
  B wb;     // PG_writeback of F
  B dirty;  // PG_dirty of F
  B large;  // PG_large: F is a large folio over this index and the next
  B e1;     // the next index's page-cache entry is empty (or there is no next index in the VMA)
  I p, n, m;  // live processes with the VMA whose PTE is present / none / PAGEOUT marker
  I h;        // live processes mapping F by a PMD
  I u;        // live processes without the VMA (munmapped)
  I used;     // processes ever created
  I pins;     // FOLL_PIN R/O pins on F taken through this index
};

template <class D>
SState<D> sel(const typename D::B& c, const SState<D>& a, const SState<D>& b) {
  return {D::ite(c, a.pcF, b.pcF),     D::ite(c, a.pcS, b.pcS),     D::ite(c, a.sc, b.sc), D::ite(c, a.wb, b.wb),
          D::ite(c, a.dirty, b.dirty), D::ite(c, a.large, b.large), D::ite(c, a.e1, b.e1), D::ite(c, a.p, b.p),
          D::ite(c, a.n, b.n),         D::ite(c, a.m, b.m),         D::ite(c, a.h, b.h),   D::ite(c, a.u, b.u),
          D::ite(c, a.used, b.used),   D::ite(c, a.pins, b.pins)};
}

// Config knobs (model/config.h) and device flags that matter here.
template <class D>
struct SParams {
  using B = typename D::B;
  B PAGEOUT;  // Config::CONFIG_PTE_MARKER_PAGEOUT
  B XARRAY;   // Config::pagemap_shmem_xarray_lookup
  B ZEROMAP;  // Config::swap_zeromap
  B SYNC;     // SWP_SYNCHRONOUS_IO or SWP_SYNC_WRITEBACK: writeback ends inside pageout
  B HUGE;     // the VMA is VM_HUGEPAGE over an aligned index pair (shmem_vma_huge)
  B MEMFD;    // a memfd (its descriptor keeps the inode) rather than MAP_SHARED|MAP_ANONYMOUS
};

// Nondeterministic inputs of one step (the bounded cross-check fixes them false).
template <class D>
struct SChoice {
  typename D::B zero_filled;  // pageout: F holds zeroes (swap_zeromap: no I/O)
  typename D::B drop_pin;     // exit_mmap: the last process exits, every pin on F goes
};

// The acting process's PTE for the index: N none, P present, M PAGEOUT
// marker, U no VMA (munmapped; its page events are Disabled or SIGSEGV),
// H present through a PMD.
// A MAP_SHARED|MAP_ANONYMOUS inode goes with its last mapping
// (model/shmem.cpp shmem_vma_closed); a memfd's stays.
enum class Local : uint8_t { N, P, M, U, H };

enum class SEvent : uint8_t {
  ReadN, ReadM,                  // read fault: handle_pte_marker, do_fault -> shmem_fault, finish_fault
  WriteN, WriteM, WriteP,        // write: the same fault (or none), then the store
  ForkN, ForkP, ForkM, ForkU,    // copy_page_range: the child's PTE is none (vma_needs_copy is false)
  ZapP, ZapM,                    // MADV_DONTNEED: zap_pte_range
  MunmapN, MunmapP, MunmapM,     // munmap: unmap_vma (ZAP_FLAG_DROP_MARKER)
  ExitN, ExitP, ExitM, ExitU,    // exit_mmap (and shmem eviction after the last exit)
  PageoutP,                      // MADV_PAGEOUT: madvise_pageout -> shrink_folio_list
  RemoveN, RemoveP, RemoveM,     // MADV_REMOVE: shmem_punch_hole
  WriteH, ForkH, ZapH, MunmapH, ExitH, PageoutH, RemoveH,  // the same with a PMD mapping
  SplitH,                        // split_huge_pmd: a file PMD is zapped
  NextIndexEmptied,              // a kernel event on the next index's folio empties it
  PinN, PinM, PinP, PinH,        // pin_user_pages(FOLL_PIN|FOLL_LONGTERM) R/O: fault in, pin
  Unpin,                         // unpin_user_page of a pin on F
  Reclaim,                       // shrink_folio_list on F (try_to_unmap, shmem_writeout, pageout)
  Writeback,                     // folio_end_writeback on F
  SwapcacheDrop,                 // __remove_mapping of F from the swap cache
  Count_
};
inline constexpr int SEVENT_COUNT = static_cast<int>(SEvent::Count_);

struct SEventInfo {
  std::string_view name;
  std::string_view model_kind;  // mm::event_kind_name of the explicit event
  Local actor;
  bool process_event;
};

inline const std::array<SEventInfo, SEVENT_COUNT>& sevent_info() {
  static const std::array<SEventInfo, SEVENT_COUNT> info = {{
      {"read fault on a none PTE (do_fault -> shmem_fault)", "read", Local::N, true},
      {"read fault on a PAGEOUT marker (handle_pte_marker, do_fault)", "read", Local::M, true},
      {"write fault on a none PTE (do_fault -> shmem_fault), store", "write", Local::N, true},
      {"write fault on a PAGEOUT marker (handle_pte_marker, do_fault), store", "write", Local::M, true},
      {"store through a present PTE", "write", Local::P, true},
      {"fork of a process with a none PTE", "fork", Local::N, true},
      {"fork of a process mapping the page (child PTE none)", "fork", Local::P, true},
      {"fork of a process with a PAGEOUT marker (child PTE none)", "fork", Local::M, true},
      {"fork of a process without the VMA", "fork", Local::U, true},
      {"MADV_DONTNEED of a present PTE (zap_pte_range)", "dontneed", Local::P, true},
      {"MADV_DONTNEED of a PAGEOUT marker (zap_pte_range drops it)", "dontneed", Local::M, true},
      {"munmap of the VMA (PTE none)", "munmap", Local::N, true},
      {"munmap of the VMA (PTE present)", "munmap", Local::P, true},
      {"munmap of the VMA (PAGEOUT marker)", "munmap", Local::M, true},
      {"exit of a process with a none PTE", "exit", Local::N, true},
      {"exit of a process mapping the page", "exit", Local::P, true},
      {"exit of a process with a PAGEOUT marker", "exit", Local::M, true},
      {"exit of a process without the VMA", "exit", Local::U, true},
      {"MADV_PAGEOUT by a process mapping the page (madvise_pageout)", "pageout", Local::P, true},
      {"MADV_REMOVE by a process with a none PTE (shmem_punch_hole)", "remove", Local::N, true},
      {"MADV_REMOVE by a process mapping the page (shmem_punch_hole)", "remove", Local::P, true},
      {"MADV_REMOVE by a process with a PAGEOUT marker (shmem_punch_hole)", "remove", Local::M, true},
      {"store through a PMD mapping", "write", Local::H, true},
      {"fork of a process mapping a THP by a PMD (child PTE none)", "fork", Local::H, true},
      {"MADV_DONTNEED of a PMD-mapped page (the PMD is split: zapped)", "dontneed", Local::H, true},
      {"munmap of the VMA (PMD mapping)", "munmap", Local::H, true},
      {"exit of a process mapping a THP by a PMD", "exit", Local::H, true},
      {"MADV_PAGEOUT of a PMD-mapped THP (split_folio: the PMD is zapped, the folio split)", "pageout", Local::H, true},
      {"MADV_REMOVE by a process mapping a THP by a PMD", "remove", Local::H, true},
      {"split_huge_pmd of a PMD-mapped shmem THP (the PMD is zapped)", "split", Local::H, true},
      {"reclaim of the next index's clean folio (it leaves the page cache)", "reclaim", Local::N, false},
      {"R/O pin by a process with a none PTE (faults the page in)", "pin", Local::N, true},
      {"R/O pin by a process with a PAGEOUT marker (faults the page in)", "pin", Local::M, true},
      {"R/O pin by a process mapping the page", "pin", Local::P, true},
      {"R/O pin by a process mapping a THP by a PMD", "pin", Local::H, true},
      {"unpin_user_page of a pin on F", "unpin", Local::N, true},
      {"reclaim of F (shrink_folio_list: try_to_unmap, shmem_writeout, pageout)", "reclaim", Local::N, false},
      {"writeback completion (folio_end_writeback)", "writeback", Local::N, false},
      {"swap-cache drop (__remove_mapping)", "swapcache_drop", Local::N, false},
  }};
  return info;
}

template <class D>
struct SStep {
  typename D::B enabled;
  SState<D> post;
};

template <class D>
class Relation {
 public:
  using B = typename D::B;
  using I = typename D::I;
  using S = SState<D>;

  Relation(const D& d, const SParams<D>& p) : d_(d), p_(p) {}

  // `procs` processes mapping the empty index (PTEs none).
  S empty(int procs) const {
    B f = d_.lit(false);
    I z = d_.num(0);
    return S{f, f, f, f, f, f, d_.lit(true), z, d_.num(procs), z, z, z, d_.num(procs), z};
  }

  I& count(S& s, Local l) const {
    switch (l) {
      case Local::P: return s.p;
      case Local::M: return s.m;
      case Local::U: return s.u;
      case Local::H: return s.h;
      case Local::N: break;
    }
    return s.n;
  }
  I count(const S& s, Local l) const { return count(const_cast<S&>(s), l); }
  B hasF(const S& s) const { return s.pcF || s.sc; }

  SStep<D> apply(const S& s, SEvent e, const SChoice<D>& ch) const {
    const Local x = sevent_info()[static_cast<int>(e)].actor;
    const B has_actor = count(s, x) > 0;
    switch (e) {
      case SEvent::ReadN:
      case SEvent::ReadM: return {has_actor, do_fault(s, x, false)};
      case SEvent::WriteN:
      case SEvent::WriteM: return {has_actor, do_fault(s, x, true)};
      case SEvent::WriteH:
      case SEvent::WriteP: {
        S t = s;
        t.dirty = T();  // store_to_page (or wp_page_shared first): folio_mark_dirty
        return {has_actor, t};
      }
      case SEvent::ForkN:
      case SEvent::ForkP:
      case SEvent::ForkM:
      case SEvent::ForkH:
      case SEvent::ForkU: {
        // dup_mmap copies the VMA; copy_page_range skips it (no anon_vma,
        // no uffd-wp): the child's PTE is none, markers are not copied.
        S t = s;
        t.used = s.used + 1;
        if (x == Local::U) t.u = s.u + 1;
        else t.n = s.n + 1;
        return {has_actor, t};
      }
      case SEvent::ZapP:
      case SEvent::ZapM:
      case SEvent::ZapH:
      case SEvent::SplitH: return {has_actor, move(s, x, Local::N)};
      case SEvent::MunmapN:
      case SEvent::MunmapP:
      case SEvent::MunmapM:
      case SEvent::MunmapH: return {has_actor, shmem_vma_closed(move(s, x, Local::U))};
      case SEvent::ExitN:
      case SEvent::ExitP:
      case SEvent::ExitM:
      case SEvent::ExitH:
      case SEvent::ExitU: return {has_actor, exit_mmap(s, x, ch)};
      case SEvent::PageoutP:
        // madvise_pageout: only a small folio this process maps alone.
        return {has_actor && !s.large, sel<D>(s.p == 1, shrink_folio_list(s, ch), s)};
      case SEvent::PageoutH:
        // madvise_pageout of a large folio one process maps: split_folio
        // (the PMD is zapped first; it fails on a pinned folio) and stop,
        // the page is no longer mapped.
        return {has_actor, sel<D>(s.h + s.p == 1 && s.pins == 0, split_folio(s), s)};
      case SEvent::PinN:
      case SEvent::PinM: {
        S t = do_fault(s, x, false);
        t.pins = t.pins + 1;
        return {has_actor, t};
      }
      case SEvent::PinP:
      case SEvent::PinH: {
        S t = s;
        t.pins = s.pins + 1;
        return {has_actor, t};
      }
      case SEvent::Unpin: {
        S t = s;
        t.pins = s.pins - 1;
        return {s.pins > 0, t};
      }
      case SEvent::RemoveN:
      case SEvent::RemoveP:
      case SEvent::RemoveM:
      case SEvent::RemoveH: return {has_actor, shmem_punch_hole(s)};
      case SEvent::Reclaim: {
        // A large F (model/reclaim.cpp shrink_folio_list): try_to_unmap zaps
        // the PMDs (TTU_SPLIT_HUGE_PMD) and unmaps the PTEs first; then
        // the folio is split and the head goes on; the tail half (the next
        // index) goes through the same pass: written out like the head when
        // dirty (the next index holds a swap entry), dropped like it when
        // clean (the next index empty).  A pinned large folio cannot be
        // split: reclaim gives up on it.
        S pmd_zapped = s;
        pmd_zapped.n = s.n + s.h;
        pmd_zapped.h = d_.num(0);
        S r = shrink_folio_list(sel<D>(s.large, pmd_zapped, s), ch);
        S split = r;
        split.large = F();
        split.e1 = !s.dirty;
        return {hasF(s) && !s.wb && !(s.large && s.pins > 0), sel<D>(s.large, split, r)};
      }
      case SEvent::NextIndexEmptied: {
        S t = s;
        t.e1 = T();
        return {!s.e1 && !s.large, t};
      }
      case SEvent::Writeback: {
        S t = s;
        t.wb = F();
        return {s.sc && s.wb, t};
      }
      case SEvent::SwapcacheDrop: {
        // An unmapped, clean folio in the swap cache: __remove_mapping.
        S t = s;
        t.sc = t.dirty = F();
        return {s.sc && !s.wb && !s.dirty, t};
      }
      case SEvent::Count_: break;
    }
    return {F(), s};
  }

 private:
  const D& d_;
  SParams<D> p_;

  B F() const { return d_.lit(false); }
  B T() const { return d_.lit(true); }

  S move(const S& s, Local from, Local to) const {
    S t = s;
    count(t, from) = count(s, from) - 1;
    count(t, to) = count(t, to) + 1;
    return t;
  }

  // The index holds nothing any more (its folio and slot freed, or left
  // behind in the swap cache under writeback, outside this index).
  S emptied(const S& s) const {
    S t = s;
    t.pcF = t.pcS = t.sc = t.wb = t.dirty = t.large = F();
    t.pins = d_.num(0);  // a pinned folio lives on outside the index until unpinned
    return t;
  }

  // split_folio of the large F: every PMD mapping is split (for shmem:
  // zapped, both PTEs none) and every PTE mapping unmapped (unmap_folio:
  // file pages are left unmapped, no PAGEOUT marker), then the tail half
  // becomes the next index's own folio.
  S split_folio(const S& s) const {
    S t = s;
    t.n = s.n + s.h + s.p;
    t.h = t.p = d_.num(0);
    t.large = F();
    t.e1 = F();
    return t;
  }

  // do_fault on a shared VMA (after handle_pte_marker dropped a PAGEOUT
  // marker): shmem_fault finds the page-cache folio, swaps it in
  // (shmem_swapin_folio: folio_wait_writeback, out of the swap cache,
  // dirty, slot freed) or allocates a clean one -- a large one when the
  // VMA is huge and the next index is empty too; finish_fault maps it, a
  // large folio by a PMD (the acting process's PTEs are none).
  S do_fault(const S& s, Local x, bool write) const {
    S t = move(s, x, Local::P);
    S swapped_in = t;
    swapped_in.pcF = T();
    swapped_in.pcS = swapped_in.sc = swapped_in.wb = F();
    swapped_in.dirty = T();
    S fresh = t;
    fresh.pcF = T();
    fresh.dirty = F();
    fresh.large = p_.HUGE && s.e1;
    fresh.e1 = s.e1 && !fresh.large;
    S r = sel<D>(s.pcF, t, sel<D>(s.pcS, swapped_in, fresh));
    S pmd = r;
    pmd.p = r.p - 1;
    pmd.h = r.h + 1;
    r = sel<D>(r.large, pmd, r);
    if (write) r.dirty = T();
    return r;
  }

  // shmem_vma_closed: when the last VMA mapping a MAP_SHARED|MAP_ANONYMOUS
  // inode is gone (munmap, exit), shmem_evict_inode frees every index; a
  // memfd stays (its descriptor holds the inode).
  S shmem_vma_closed(const S& t) const {
    S gone = punch(t);
    gone.e1 = gone.e1 || !t.large || t.pins == 0;
    return sel<D>(!p_.MEMFD && t.p + t.n + t.m + t.h == 0, gone, t);
  }

  // exit_mmap: the VMA goes (markers dropped), maybe the inode with the
  // last mapping (while the pins are still held).  Pins outlive the pinner
  // (model/zap.cpp); when the last process exits every pin goes (drop_pin).
  S exit_mmap(const S& s, Local x, const SChoice<D>& ch) const {
    S t = s;
    count(t, x) = count(s, x) - 1;
    if (x != Local::U) t = shmem_vma_closed(t);
    S unpinned = t;
    unpinned.pins = d_.num(0);
    return sel<D>(ch.drop_pin && t.pins > 0, unpinned, t);
  }

  // shmem_punch_hole: unmap_mapping_range zaps every PTE of the index (a
  // PAGEOUT marker too, a PMD with both its pages), then shmem_undo_range
  // splits a large folio (the tail stays at the next index) and frees the
  // folio or the swap entry (free_swap_and_cache).
  // A pinned large folio cannot be split: its page is zeroed and it stays.
  S punch(const S& s) const {
    S t = emptied(s);
    t.n = s.n + s.p + s.m + s.h;
    t.p = t.m = t.h = d_.num(0);
    t.e1 = s.e1 && !s.large;
    S kept = s;
    kept.n = t.n;
    kept.p = kept.m = kept.h = d_.num(0);
    return sel<D>(s.large && s.pins > 0, kept, t);
  }
  S shmem_punch_hole(const S& s) const { return punch(s); }

  // shrink_folio_list on F.  In the swap cache (clean, unmapped, not under
  // writeback): __remove_mapping.  In the page cache: try_to_unmap clears
  // every present PTE (the RFC leaves a PAGEOUT marker); a clean folio is
  // dropped; a dirty one goes through shmem_writeout to the swap cache and
  // pageout starts writeback (none for a zero-filled folio with swap_zeromap;
  // it ends at once on a synchronous device), and a folio no longer under
  // writeback leaves the swap cache.
  S shrink_folio_list(const S& s, const SChoice<D>& ch) const {
    // A possibly pinned folio is unmapped but not written out (v6.x).
    S pinned = s;
    pinned.p = d_.num(0);
    pinned.m = s.m + D::ite(p_.PAGEOUT, s.p, d_.num(0));
    pinned.n = s.n + D::ite(p_.PAGEOUT, d_.num(0), s.p);
    return sel<D>(s.pcF && s.pins > 0, pinned, shrink_unpinned(s, ch));
  }
  S shrink_unpinned(const S& s, const SChoice<D>& ch) const {
    S in_sc = s;
    in_sc.sc = in_sc.dirty = F();
    S u = s;
    u.p = d_.num(0);
    u.m = s.m + D::ite(p_.PAGEOUT, s.p, d_.num(0));
    u.n = s.n + D::ite(p_.PAGEOUT, d_.num(0), s.p);
    S dropped = u;
    dropped.pcF = F();
    S written = u;
    written.pcF = F();
    written.pcS = T();
    written.dirty = F();
    written.wb = !(p_.SYNC || (p_.ZEROMAP && ch.zero_filled));
    written.sc = written.wb;
    return sel<D>(s.sc, in_sc, sel<D>(s.dirty, written, dropped));
  }
};

}  // namespace mmproofs::shmem
