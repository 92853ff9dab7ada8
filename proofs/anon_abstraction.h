// A counter abstraction of ONE private anonymous page for any number of
// processes, and the transition relation of each event, written once.
//
// The tracked object is one anonymous page's data: its folio F (when in
// memory) and its swap slot S (when it has one); F sits in the swap cache
// for S exactly when both exist.  Processes are counted by how their PTE for
// the page refers to the object: present writable (rw), present read-only
// (ro), swap PTE with / without the exclusive bit (sx / s), or not at all
// (other: none, the zero page, or a different folio after COW).
//
// Each event function mirrors the model function of the same kernel name in
// model/*.cpp, restricted to a one-page private anonymous VMA with VM_WRITE,
// no THP, no userfaultfd registration.  The code is a template over a
// domain D: ConcreteDomain evaluates it on numbers (used to replay traces
// against the explicit model), Z3Domain builds terms (used by the proofs).
#pragma once
#include <z3++.h>

#include <array>
#include <string_view>

namespace mmproofs::anon {

// ---- domains ---------------------------------------------------------------
struct ConcreteDomain {
  using B = bool;
  using I = int;
  B lit(bool b) const { return b; }
  I num(int n) const { return n; }
  template <class T>
  static T ite(bool c, const T& a, const T& b) { return c ? a : b; }
};

struct Z3Domain {
  z3::context* ctx;
  using B = z3::expr;
  using I = z3::expr;
  B lit(bool b) const { return ctx->bool_val(b); }
  I num(int n) const { return ctx->int_val(n); }
  static z3::expr ite(const z3::expr& c, const z3::expr& a, const z3::expr& b) { return z3::ite(c, a, b); }
};

// ---- state -------------------------------------------------------------------
template <class D>
struct AState {
  using B = typename D::B;
  using I = typename D::I;
  B hasF;   // folio F allocated
  B hasS;   // swap slot S allocated (swap count or SWAP_HAS_CACHE)
  B sc;     // PG_swapcache: F is in the swap cache for S
  B excl;   // PG_anon_exclusive of F
  B wb;     // PG_writeback
  B dirty;  // PG_dirty
  B mod;    // F's content may differ from S's content (stable_writes "modified")
  B pinx;   // a pin on F may be held by a process that no longer maps F
  I rw, ro; // processes mapping F present writable / read-only
  I sx, s;  // processes with a swap PTE for S, with / without the exclusive bit
  I cnt;    // swap_map count of S
  I pins;   // FOLL_PIN R/O pins on F
  I other;  // live processes whose PTE does not refer to the object
  I used;   // processes ever created (the explicit model never reuses a slot)
};

// Field-wise if-then-else of two states.
template <class D>
AState<D> sel(const typename D::B& c, const AState<D>& a, const AState<D>& b) {
  AState<D> r{D::ite(c, a.hasF, b.hasF), D::ite(c, a.hasS, b.hasS), D::ite(c, a.sc, b.sc),
              D::ite(c, a.excl, b.excl), D::ite(c, a.wb, b.wb),     D::ite(c, a.dirty, b.dirty),
              D::ite(c, a.mod, b.mod),   D::ite(c, a.pinx, b.pinx), D::ite(c, a.rw, b.rw),
              D::ite(c, a.ro, b.ro),
              D::ite(c, a.sx, b.sx),     D::ite(c, a.s, b.s),       D::ite(c, a.cnt, b.cnt),
              D::ite(c, a.pins, b.pins), D::ite(c, a.other, b.other), D::ite(c, a.used, b.used)};
  return r;
}

// Config knobs (model/config.h) and device flags (SwapFlags) that matter here.
template <class D>
struct AParams {
  using B = typename D::B;
  B AE;       // Config::PG_anon_exclusive
  B SWPX;     // Config::pte_swp_exclusive
  B INV;      // Config::swp_stable_writes_check_inverted
  B UNSHARE;  // Config::gup_unshare_on_ro_pin
  B STABLE;   // SWP_STABLE_WRITES
  B SYNCIO;   // SWP_SYNCHRONOUS_IO
  B SYNCWB;   // SWP_SYNC_WRITEBACK (model: writeback completes inside pageout)
};

// Nondeterministic choices of one step.  The proofs leave them free; the
// bounded cross-check fixes them to false (its event alphabets have neither
// clear_refs/uffd-wp nor pins).
template <class D>
struct AChoice {
  using B = typename D::B;
  B wp_pending;    // do_swap_page: uffd-wp or soft-dirty tracking forbids mapping writable
  B drop_pin;      // exit_mmap: the last process exits, every pin on F goes
  B actor_pinned;  // fork: MMF_HAS_PINNED on the forking mm (folio_needs_cow_for_dma)
  B zero_filled;   // pageout: F holds zeroes (swap_zeromap: no writeback)
};

// ---- events ------------------------------------------------------------------
// The acting process's relation to the object: N = none/other.
enum class Local : uint8_t { N, RW, RO, SX, S };

enum class AEvent : uint8_t {
  WriteN, WriteRW, WriteRO, WriteSX, WriteS,  // store (do_anonymous_page / do_wp_page / do_swap_page)
  ReadSX, ReadS,                              // load on a swap PTE (do_swap_page)
  ForkN, ForkRW, ForkRO, ForkSX, ForkS,       // copy_page_range
  ZapRW, ZapRO, ZapSX, ZapS,                  // MADV_DONTNEED: zap_pte_range
  ExitN, ExitRW, ExitRO, ExitSX, ExitS,       // exit_mmap
  PageoutRW, PageoutRO,                       // MADV_PAGEOUT: madvise_pageout
  Reclaim,                                    // shrink_folio_list on F
  Writeback,                                  // folio_end_writeback on F
  SwapcacheDrop,                              // folio_free_swap / __remove_mapping on F
  PinRW, PinRO, PinSX, PinS,                  // pin_user_pages(FOLL_PIN|FOLL_LONGTERM) R/O
  Unpin,                                      // unpin_user_page
  WrprotectRW,                                // clear_refs / UFFDIO_WRITEPROTECT: PTE loses write
  Count_
};
inline constexpr int AEVENT_COUNT = static_cast<int>(AEvent::Count_);

struct AEventInfo {
  std::string_view name;        // for traces
  std::string_view model_kind;  // mm::event_kind_name of the explicit event
  Local actor;                  // who acts (N for kernel events)
  bool process_event;
};

inline const std::array<AEventInfo, AEVENT_COUNT>& aevent_info() {
  static const std::array<AEventInfo, AEVENT_COUNT> info = {{
      {"write by a process not mapping it (do_anonymous_page: a new folio)", "write", Local::N, true},
      {"write through a writable PTE (store)", "write", Local::RW, true},
      {"write fault on a read-only PTE (do_wp_page)", "write", Local::RO, true},
      {"write fault on an exclusive swap PTE (do_swap_page)", "write", Local::SX, true},
      {"write fault on a swap PTE (do_swap_page)", "write", Local::S, true},
      {"read fault on an exclusive swap PTE (do_swap_page)", "read", Local::SX, true},
      {"read fault on a swap PTE (do_swap_page)", "read", Local::S, true},
      {"fork of a process not mapping it", "fork", Local::N, true},
      {"fork of a process mapping it writable (copy_present_pte)", "fork", Local::RW, true},
      {"fork of a process mapping it read-only (copy_present_pte)", "fork", Local::RO, true},
      {"fork of a process with an exclusive swap PTE (copy_nonpresent_pte)", "fork", Local::SX, true},
      {"fork of a process with a swap PTE (copy_nonpresent_pte)", "fork", Local::S, true},
      {"MADV_DONTNEED of a writable mapping (zap_pte_range)", "dontneed", Local::RW, true},
      {"MADV_DONTNEED of a read-only mapping (zap_pte_range)", "dontneed", Local::RO, true},
      {"MADV_DONTNEED of an exclusive swap PTE (free_swap_and_cache)", "dontneed", Local::SX, true},
      {"MADV_DONTNEED of a swap PTE (free_swap_and_cache)", "dontneed", Local::S, true},
      {"exit of a process not mapping it", "exit", Local::N, true},
      {"exit of a process mapping it writable (exit_mmap)", "exit", Local::RW, true},
      {"exit of a process mapping it read-only (exit_mmap)", "exit", Local::RO, true},
      {"exit of a process with an exclusive swap PTE (exit_mmap)", "exit", Local::SX, true},
      {"exit of a process with a swap PTE (exit_mmap)", "exit", Local::S, true},
      {"MADV_PAGEOUT by a process mapping it writable", "pageout", Local::RW, true},
      {"MADV_PAGEOUT by a process mapping it read-only", "pageout", Local::RO, true},
      {"reclaim of F (shrink_folio_list)", "reclaim", Local::N, false},
      {"writeback completion (folio_end_writeback)", "writeback", Local::N, false},
      {"swap-cache drop (folio_free_swap / __remove_mapping)", "swapcache_drop", Local::N, false},
      {"R/O pin by a process mapping it writable", "pin", Local::RW, true},
      {"R/O pin by a process mapping it read-only", "pin", Local::RO, true},
      {"R/O pin by a process with an exclusive swap PTE", "pin", Local::SX, true},
      {"R/O pin by a process with a swap PTE", "pin", Local::S, true},
      {"unpin_user_page of a pin on F", "unpin", Local::N, true},
      {"write-protect a writable PTE (clear_refs / UFFDIO_WRITEPROTECT)", "clear_refs", Local::RW, true},
  }};
  return info;
}

template <class D>
struct AStep {
  typename D::B enabled;  // false: the event is Disabled here (or does not concern this object)
  AState<D> post;
};

// ---- the transition relation ----------------------------------------------------
template <class D>
class Relation {
 public:
  using B = typename D::B;
  using I = typename D::I;
  using S = AState<D>;

  Relation(const D& d, const AParams<D>& p) : d_(d), p_(p) {}

  // The state before the object exists: `procs` processes, none referring to it.
  S empty(int procs) const {
    B f = d_.lit(false);
    I z = d_.num(0);
    return S{f, f, f, f, f, f, f, f, z, z, z, z, z, z, d_.num(procs), d_.num(procs)};
  }

  // The counter of processes in local state `l` (other for N).
  I& count(S& s, Local l) const {
    switch (l) {
      case Local::RW: return s.rw;
      case Local::RO: return s.ro;
      case Local::SX: return s.sx;
      case Local::S: return s.s;
      case Local::N: break;
    }
    return s.other;
  }
  I count(const S& s, Local l) const { return count(const_cast<S&>(s), l); }

  AStep<D> apply(const S& s, AEvent e, const AChoice<D>& ch) const {
    const Local x = aevent_info()[static_cast<int>(e)].actor;
    const B has_actor = count(s, x) > 0;
    switch (e) {
      case AEvent::WriteN: return {has_actor && !s.hasF && !s.hasS, do_anonymous_page(s)};
      case AEvent::WriteRW: return {has_actor, store(s)};
      case AEvent::WriteRO: return {has_actor, write_fault_ro(s)};
      case AEvent::WriteSX:
      case AEvent::WriteS: return {has_actor, do_swap_page(s, x, true, ch)};
      case AEvent::ReadSX:
      case AEvent::ReadS: return {has_actor, do_swap_page(s, x, false, ch)};
      case AEvent::ForkN:
      case AEvent::ForkRW:
      case AEvent::ForkRO:
      case AEvent::ForkSX:
      case AEvent::ForkS: return {has_actor, copy_page_range(s, x, ch)};
      case AEvent::ZapRW:
      case AEvent::ZapRO:
      case AEvent::ZapSX:
      case AEvent::ZapS: return {has_actor, zap_pte(s, x, true)};
      case AEvent::ExitN:
      case AEvent::ExitRW:
      case AEvent::ExitRO:
      case AEvent::ExitSX:
      case AEvent::ExitS: return {has_actor, exit_mmap(s, x, ch)};
      case AEvent::PageoutRW:
      case AEvent::PageoutRO: return {has_actor, madvise_pageout(s, ch)};
      case AEvent::Reclaim: return {s.hasF && !s.wb && (s.sc || s.pins == 0), shrink_folio_list(s, ch)};
      case AEvent::Writeback: {
        S t = s;
        t.wb = d_.lit(false);
        return {s.hasF && s.wb, t};
      }
      case AEvent::SwapcacheDrop: return swap_cache_drop(s);
      case AEvent::PinRW:
      case AEvent::PinRO:
      case AEvent::PinSX:
      case AEvent::PinS: return pin_user_pages_ro(s, x, ch);
      case AEvent::Unpin: {
        S t = s;
        t.pins = s.pins - 1;
        t.pinx = s.pinx && t.pins > 0;
        return {s.pins > 0, folio_put_if_unused(t)};
      }
      case AEvent::WrprotectRW: {
        S t = s;
        t.rw = s.rw - 1;
        t.ro = s.ro + 1;
        return {has_actor, t};
      }
      case AEvent::Count_: break;
    }
    return {d_.lit(false), s};
  }

 private:
  const D& d_;
  AParams<D> p_;

  B F() const { return d_.lit(false); }
  B T() const { return d_.lit(true); }
  I mapcount(const S& s) const { return s.rw + s.ro; }
  // folio_ref_count without the caller's reference: mappings, pins, swap cache.
  I refcount(const S& s) const { return s.rw + s.ro + s.pins + D::ite(s.sc, d_.num(1), d_.num(0)); }

  S free_folio(const S& s) const {
    S t = s;
    t.hasF = t.sc = t.excl = t.wb = t.dirty = t.mod = t.pinx = F();
    return t;
  }
  // folio_put_if_unused
  S folio_put_if_unused(const S& s) const {
    return sel<D>(s.hasF && s.rw + s.ro + s.pins == 0 && !s.sc, free_folio(s), s);
  }
  // swap_free: one reference fewer; a slot with no count and no cache is free.
  S swap_free(const S& s) const {
    S t = s;
    t.cnt = D::ite(s.cnt > 0, s.cnt - 1, s.cnt);
    t.hasS = s.hasS && !(t.cnt == 0 && !s.sc);
    return t;
  }
  // folio_free_swap: succeeds in the swap cache, not under writeback, count 0.
  B can_free_swap(const S& s) const { return s.sc && !s.wb && s.cnt == 0; }
  S folio_free_swap(const S& s) const {
    S t = s;
    t.hasS = t.sc = F();
    t.dirty = T();
    return sel<D>(can_free_swap(s), t, s);
  }
  // free_swap_and_cache
  S free_swap_and_cache(const S& s) const {
    S t = swap_free(s);
    S u = t;
    u.sc = F();
    u.hasS = F();
    u.dirty = T();
    u = folio_put_if_unused(u);
    return sel<D>(t.cnt == 0 && t.sc && !t.wb && mapcount(t) == 0, u, t);
  }
  // free_swap_cache: after the last unmap, an unmapped folio in the swap
  // cache tries folio_free_swap; then the reference is dropped.
  S free_swap_cache_and_put(const S& s) const {
    return folio_put_if_unused(sel<D>(s.sc && mapcount(s) == 0, folio_free_swap(s), s));
  }
  // store_to_page through a writable PTE: content changes, PG_dirty.
  S store(const S& s) const {
    S t = s;
    t.dirty = T();
    t.mod = T();
    return t;
  }
  S move(const S& s, Local from, Local to) const {
    S t = s;
    count(t, from) = count(s, from) - 1;
    count(t, to) = count(t, to) + 1;
    // A process that stops mapping F may be holding a pin on it.
    if ((from == Local::RW || from == Local::RO) && to != Local::RW && to != Local::RO)
      t.pinx = s.pinx || s.pins > 0;
    return t;
  }

  // do_anonymous_page (write): a new exclusive folio mapped writable, then the store.
  S do_anonymous_page(const S& s) const {
    S t = move(s, Local::N, Local::RW);
    t.hasF = T();
    t.excl = p_.AE;
    t.sc = t.wb = t.mod = F();
    t.dirty = T();
    return t;
  }

  // do_wp_page on the actor's PTE of F (read-only for a write; any for an
  // unshare).  `reused` tells whether the actor still maps F afterwards.
  S do_wp_page(const S& s, Local x, bool unshare, B* reused) const {
    // wp_page_reuse of a PageAnonExclusive page.
    S reuse_excl = unshare ? s : move(s, x, Local::RW);
    // wp_can_reuse_anon_folio: v5.14 needs the sole reference; v5.19+ first
    // tries folio_free_swap when only the swap cache holds another one.
    B v514_reuse = refcount(s) == 1;
    B fits = !(refcount(s) > 1 + D::ite(s.sc, d_.num(1), d_.num(0)));
    S freed = sel<D>(fits && s.sc, folio_free_swap(s), s);
    B ae_reuse = fits && refcount(freed) == 1;
    B can_reuse = D::ite(p_.AE, ae_reuse, v514_reuse);
    S reuse = sel<D>(p_.AE, freed, s);
    reuse.excl = reuse.excl || p_.AE;  // folio_move_anon_rmap: PG_anon_exclusive
    if (!unshare) reuse = move(reuse, x, Local::RW);
    // wp_page_copy: the actor leaves for a new folio.
    S copy = free_swap_cache_and_put(move(s, x, Local::N));
    B excl_reuse = p_.AE && s.excl;
    *reused = excl_reuse || can_reuse;
    return sel<D>(excl_reuse, reuse_excl, sel<D>(can_reuse, reuse, copy));
  }

  S write_fault_ro(const S& s) const {
    B reused = F();
    S t = do_wp_page(s, Local::RO, false, &reused);
    return sel<D>(reused, store(t), t);
  }

  // do_swap_page for an actor holding a swap PTE (x = SX or S); a write goes
  // on through do_wp_page when it could not map writable, then stores.
  // `map_w` tells whether the actor's new PTE is writable (before any store).
  S do_swap_page(const S& s, Local x, bool write, const AChoice<D>& ch, B* map_w_out = nullptr) const {
    const B pte_excl = d_.lit(x == Local::SX);
    // swap_cache_get_folio, else a new folio, which skips the swap cache
    // for SWP_SYNCHRONOUS_IO with swap count 1 and enters it otherwise.
    const B cached = s.sc;
    const B skip = !cached && p_.SYNCIO && s.cnt == 1;
    S t = s;
    t.hasF = T();
    t.excl = D::ite(cached, s.excl, F());
    t.wb = D::ite(cached, s.wb, F());
    t.dirty = D::ite(cached, s.dirty, F());
    t.mod = D::ite(cached, s.mod, F());
    t.pins = D::ite(cached, s.pins, d_.num(0));
    t.pinx = cached && s.pinx;
    t.sc = !skip;  // f == swapcache
    count(t, x) = count(s, x) - 1;  // the actor's swap PTE is replaced below

    // v5.19+: the swp exclusive bit, dropped for a folio under writeback to
    // a SWP_STABLE_WRITES device (the v2 series tested !SWP_STABLE_WRITES).
    B stable = D::ite(p_.INV, !p_.STABLE, p_.STABLE);
    B exclusive = p_.SWPX && pte_excl;
    exclusive = D::ite(skip, T(), D::ite(exclusive && t.wb && stable, F(), exclusive));
    S a = swap_free(t);
    if (write) a = sel<D>(a.sc && a.rw + a.ro + a.pins == 0, folio_free_swap(a), a);  // should_try_to_free_swap
    B excl_ae = exclusive || refcount(a) == 0;
    B map_w_ae = excl_ae && !ch.wp_pending;
    a.excl = a.excl || excl_ae;

    // v5.14: reuse_swap_page, called for write faults only.
    S b = t;
    B map_w_514 = d_.lit(write);
    if (write) {
      I c514 = mapcount(t) + t.cnt;
      B one = t.sc && c514 == 1;
      S removed = t;
      removed.sc = F();
      removed.dirty = T();
      b = sel<D>(one && !t.wb, removed, t);
      B refuse = one && t.wb && p_.STABLE;
      map_w_514 = D::ite(t.sc, !refuse && c514 <= 1, T());
    }
    b = swap_free(b);

    B map_w = D::ite(p_.AE, map_w_ae, map_w_514);
    S r = sel<D>(p_.AE, a, b);
    r.rw = r.rw + D::ite(map_w, d_.num(1), d_.num(0));
    r.ro = r.ro + D::ite(map_w, d_.num(0), d_.num(1));
    if (map_w_out) *map_w_out = map_w;
    if (!write) return r;
    B reused = F();
    S w = do_wp_page(r, Local::RO, false, &reused);
    return sel<D>(map_w, store(r), sel<D>(reused, store(w), w));
  }

  // copy_page_range for the actor's PTE.
  S copy_page_range(const S& s, Local x, const AChoice<D>& ch) const {
    S t = s;
    t.used = s.used + 1;
    switch (x) {
      case Local::N:
        t.other = s.other + 1;
        return t;
      case Local::RW:
      case Local::RO: {
        // folio_try_dup_anon_rmap_pte: a possibly pinned exclusive page is
        // copied for the child at once (v5.14: any pinned page).
        // MMF_HAS_PINNED on the forking mm: certain when F's only mapper
        // holds every pin on it, otherwise unknown (a choice).
        B has_pinned = ch.actor_pinned || (!s.pinx && mapcount(s) == 1);
        B needs_copy = has_pinned && s.pins > 0 && (!p_.AE || s.excl);
        S copied = t;
        copied.other = s.other + 1;
        S shared = t;
        shared.excl = F();
        if (x == Local::RW) {
          shared.rw = s.rw - 1;
          shared.ro = s.ro + 2;
        } else {
          shared.ro = s.ro + 1;
        }
        return sel<D>(needs_copy, copied, shared);
      }
      case Local::SX:
      case Local::S:
        // copy_nonpresent_pte: swap_duplicate; the parent's exclusive bit goes.
        t.cnt = s.cnt + 1;
        if (x == Local::SX) {
          t.sx = s.sx - 1;
          t.s = s.s + 2;
        } else {
          t.s = s.s + 1;
        }
        return t;
    }
    return t;
  }

  // zap_pte_range of the actor's PTE (to_none: the process stays alive).
  S zap_pte(const S& s, Local x, bool to_none) const {
    S t = move(s, x, Local::N);
    if (!to_none) t.other = t.other - 1;
    if (x == Local::RW || x == Local::RO) return free_swap_cache_and_put(t);
    if (x == Local::SX || x == Local::S) return free_swap_and_cache(t);
    return t;
  }

  // exit_mmap: zap.  Pins outlive the pinner (a pipe, ring or driver file
  // holds them, model/zap.cpp); when the last process exits every file is
  // closed and every pin on F goes (drop_pin: this is the last exit).
  S exit_mmap(const S& s, Local x, const AChoice<D>& ch) const {
    S t = zap_pte(s, x, false);
    S u = t;
    u.pins = d_.num(0);
    u.pinx = F();
    u = folio_put_if_unused(u);
    return sel<D>(ch.drop_pin && t.pins > 0, u, t);
  }

  // shrink_folio_list on F (not under writeback; a pinned folio is not
  // added to swap).
  S shrink_folio_list(const S& s, const AChoice<D>& ch) const {
    // add_to_swap
    S t = s;
    t.hasS = T();
    t.sc = T();
    t.dirty = s.dirty || !s.sc;
    t.cnt = D::ite(s.sc, s.cnt, d_.num(0));
    // try_to_unmap: aborts on a possibly pinned exclusive page.
    B abort = mapcount(t) > 0 && p_.AE && t.excl && t.pins > 0;
    S u = t;
    I n = mapcount(t);
    B first_excl = p_.AE && t.excl && n > 0;
    I nsx = D::ite(first_excl && p_.SWPX, d_.num(1), d_.num(0));
    u.sx = t.sx + nsx;
    u.s = t.s + n - nsx;
    u.cnt = t.cnt + n;
    u.excl = t.excl && !first_excl;
    u.pinx = t.pinx || (n > 0 && t.pins > 0);
    u.rw = d_.num(0);
    u.ro = d_.num(0);
    // pageout -> swap_writeout: give the slot back when nothing needs it;
    // else writeback starts (synchronous for SWP_SYNCHRONOUS_IO and the
    // model's SWP_SYNC_WRITEBACK), or none at all for a zero-filled folio.
    S given_back = folio_put_if_unused(folio_free_swap(u));
    S w = u;
    w.dirty = F();
    w.mod = F();
    w.wb = !(p_.SYNCIO || p_.SYNCWB || ch.zero_filled);
    S written = sel<D>(can_free_swap(u), given_back, w);
    S after = sel<D>(u.dirty, written, u);
    // __remove_mapping: a folio neither dirty nor under writeback leaves the
    // swap cache and is freed; the slot keeps its data and count.
    S removed = free_folio(after);
    removed.hasS = after.hasS && after.cnt > 0;
    S done = sel<D>(after.hasF && after.sc && !after.wb && !after.dirty, removed, after);
    // A possibly pinned folio is not written out after the unmap.
    return sel<D>(abort, t, sel<D>(u.pins > 0, u, done));
  }

  // madvise_pageout: only a folio mapped by this process alone, not under writeback.
  S madvise_pageout(const S& s, const AChoice<D>& ch) const {
    B go = mapcount(s) == 1 && !s.wb && (s.sc || s.pins == 0);
    return sel<D>(go, shrink_folio_list(s, ch), s);
  }

  // swap_cache_drop: __remove_mapping of a clean unmapped folio, else folio_free_swap.
  AStep<D> swap_cache_drop(const S& s) const {
    B unused = mapcount(s) == 0 && s.pins == 0;
    S removed = free_folio(s);
    removed.hasS = s.hasS && s.cnt > 0;
    B ok_remove = unused && !s.dirty;
    B ok_free = !unused && can_free_swap(s);
    return {s.hasF && s.sc && !s.wb && (ok_remove || ok_free), sel<D>(unused, removed, folio_free_swap(s))};
  }

  // pin_user_pages_ro: fault in, unshare a page that is not exclusive
  // (gup_must_unshare), then take the pin.
  AStep<D> pin_user_pages_ro(const S& s, Local x, const AChoice<D>& ch) const {
    if (x == Local::RW || x == Local::RO) {
      AStep<D> r = pin_present(s, x);
      r.enabled = r.enabled && count(s, x) > 0;
      return r;
    }
    // A swap PTE: handle_mm_fault (read) first; the actor ends up RW or RO.
    B map_w = F();
    S t = do_swap_page(s, x, false, ch, &map_w);
    AStep<D> as_rw = pin_present(t, Local::RW), as_ro = pin_present(t, Local::RO);
    return {count(s, x) > 0 && D::ite(map_w, as_rw.enabled, as_ro.enabled), sel<D>(map_w, as_rw.post, as_ro.post)};
  }

  AStep<D> pin_present(const S& s, Local x) const {
    B must = p_.UNSHARE && !s.excl;
    B reused = F();
    S u = do_wp_page(s, x, true, &reused);  // FAULT_FLAG_UNSHARE
    S pinned_u = u;
    pinned_u.pins = u.pins + 1;
    S pinned_s = s;
    pinned_s.pins = s.pins + 1;
    // After an unshare that copied, the pin goes to the new folio.  Without
    // PG_anon_exclusive the page never becomes exclusive: GUP gives up.
    return {!(must && !p_.AE), sel<D>(must, sel<D>(reused, pinned_u, u), pinned_s)};
  }
};

}  // namespace mmproofs::anon
