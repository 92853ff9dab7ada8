// Bit-level lemmas about the encodings in model/encoding.h, stated over the
// very constants the model uses (no second copy): every Z3 term below is
// built from mm::enc constants, and `mirror_agrees` checks on sample values
// that each Z3 term computes what the model's constexpr function computes.
#include <fmt/format.h>

#include <array>

#include "model/encoding.h"
#include "proofs/obligation.h"
#include "proofs/z3util.h"

namespace mmproofs {

namespace {

namespace enc = mm::enc;
using z3::expr;

// Z3 mirrors of the mm::enc functions, over 64-bit vectors.
struct Enc {
  z3::context& c;
  expr k(uint64_t v) const { return c.bv_val(v, 64); }
  expr var(const char* n) const { return c.bv_const(n, 64); }

  // include/linux/swapops.h
  expr swp_entry(const expr& t, const expr& o) const {
    return z3::shl(t, k(enc::SWP_TYPE_SHIFT)) | (o & k(enc::SWP_OFFSET_MASK));
  }
  expr swp_type(const expr& e) const { return z3::lshr(e, k(enc::SWP_TYPE_SHIFT)); }
  expr swp_offset(const expr& e) const { return e & k(enc::SWP_OFFSET_MASK); }
  expr make_pte_marker_entry(const expr& m) const { return swp_entry(k(enc::SWP_PTE_MARKER), m); }
  expr is_pte_marker_entry(const expr& e) const { return swp_type(e) == k(enc::SWP_PTE_MARKER); }
  expr pte_marker_get(const expr& e) const { return swp_offset(e) & k(enc::PTE_MARKER_MASK); }

  // arch/x86/include/asm/pgtable_64.h __swp_entry / __swp_type / __swp_offset
  expr x86_swp_pte(const expr& t, const expr& o) const {
    return z3::lshr(z3::shl(~o, k(enc::X86_SWP_OFFSET_SHIFT)), k(enc::X86_SWP_TYPE_BITS)) |
           z3::shl(t, k(64 - enc::X86_SWP_TYPE_BITS));
  }
  expr x86_type(const expr& p) const { return z3::lshr(p, k(64 - enc::X86_SWP_TYPE_BITS)); }
  expr x86_offset(const expr& p) const {
    return z3::lshr(z3::shl(~p, k(enc::X86_SWP_TYPE_BITS)), k(enc::X86_SWP_OFFSET_SHIFT));
  }

  // fs/proc/task_mmu.c pte_to_pagemap_entry
  expr pagemap_swap_frame(const expr& t, const expr& o) const {
    return (t | z3::shl(o, k(enc::MAX_SWAPFILES_SHIFT))) & k(enc::PM_PFRAME_MASK);
  }
  expr frame_type(const expr& f) const { return f & k((uint64_t{1} << enc::MAX_SWAPFILES_SHIFT) - 1); }
  expr frame_offset(const expr& f) const { return z3::lshr(f, k(enc::MAX_SWAPFILES_SHIFT)); }

  expr below(const expr& x, uint64_t bound) const { return z3::ult(x, k(bound)); }
  expr subset(const expr& x, uint64_t mask) const { return (x & ~k(mask)) == k(0); }
};

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

// The Z3 mirrors compute exactly what model/encoding.h computes, on edge
// and spread sample values.  A mismatch means the lemmas would be about a
// different encoding than the model's.
bool mirror_agrees(const Enc& e, std::string& why) {
  const std::array<uint64_t, 8> types = {0, 1, 2, 7, 23, enc::MAX_SWAPFILES - 1, enc::SWP_PTE_MARKER, 31};
  const std::array<uint64_t, 9> offsets = {0, 1, 2, 0x89c, 0xdeadbeef, (uint64_t{1} << 32) - 1,
                                           (uint64_t{1} << 49) + 12345, (uint64_t{1} << 50) - 1,
                                           (uint64_t{1} << 50)};
  auto num = [](const expr& x) { return x.simplify().get_numeral_uint64(); };
  for (uint64_t t : types)
    for (uint64_t o : offsets) {
      const uint64_t want[] = {enc::swp_entry(t, o), enc::x86_swp_pte(t, o), enc::pagemap_swap_frame(t, o),
                               enc::x86_swp_pte_type(enc::x86_swp_pte(t, o)),
                               enc::x86_swp_pte_offset(enc::x86_swp_pte(t, o))};
      const uint64_t got[] = {num(e.swp_entry(e.k(t), e.k(o))), num(e.x86_swp_pte(e.k(t), e.k(o))),
                              num(e.pagemap_swap_frame(e.k(t), e.k(o))),
                              num(e.x86_type(e.x86_swp_pte(e.k(t), e.k(o)))),
                              num(e.x86_offset(e.x86_swp_pte(e.k(t), e.k(o))))};
      for (size_t i = 0; i < std::size(want); i++)
        if (want[i] != got[i]) {
          why = fmt::format("Z3 mirror #{} of model/encoding.h differs at type={} offset={}: {} vs {}", i, t,
                            hex(o), hex(got[i]), hex(want[i]));
          return false;
        }
    }
  for (uint64_t m = 0; m <= enc::PTE_MARKER_MASK; m++)
    if (num(e.pte_marker_get(e.make_pte_marker_entry(e.k(m)))) != enc::pte_marker_get(enc::make_pte_marker_entry(m))) {
      why = fmt::format("Z3 mirror of pte_marker_get differs at marker {}", m);
      return false;
    }
  return true;
}

ObligationResult with_mirror_check(z3::context& c, const std::vector<SubClaim>& claims, const ProofOptions& opt) {
  std::string why;
  if (!mirror_agrees(Enc{c}, why)) return {Verdict::Refuted, {why}};
  return prove_all(c, claims, opt);
}

// A satisfiable witness (used to show a bound is tight, not vacuous).
bool witness(z3::context& c, const expr& what, const ProofOptions& opt) {
  z3::solver s = make_solver(c, opt);
  s.add(what);
  return s.check() == z3::sat;
}

ObligationResult pagemap_swap_frame(const ProofOptions& opt) {
  z3::context c;
  Enc e{c};
  expr t = e.var("type"), o = e.var("offset"), t2 = e.var("type2"), o2 = e.var("offset2");
  const unsigned OB = enc::PAGEMAP_SWAP_OFFSET_BITS;
  expr in_range = e.below(t, 1u << enc::MAX_SWAPFILES_SHIFT) && e.below(o, uint64_t{1} << OB);
  expr in_range2 = e.below(t2, 1u << enc::MAX_SWAPFILES_SHIFT) && e.below(o2, uint64_t{1} << OB);
  expr f = e.pagemap_swap_frame(t, o);
  auto show = [&](const z3::model& m, std::vector<std::string>& out) {
    out.push_back(fmt::format("counterexample: type={} offset={} frame={} type2={} offset2={}", model_u64(m, t),
                              hex(model_u64(m, o)), hex(model_u64(m, f)), model_u64(m, t2), hex(model_u64(m, o2))));
  };
  std::vector<SubClaim> claims = {
      {fmt::format("frame = type | offset << {} decodes back to (type, offset) for type < 32, offset < 2^{}",
                   enc::MAX_SWAPFILES_SHIFT, OB),
       z3::implies(in_range, e.frame_type(f) == t && e.frame_offset(f) == o), show},
      {"the frame is injective on that range",
       z3::implies(in_range && in_range2 && f == e.pagemap_swap_frame(t2, o2), t == t2 && o == o2), show},
      {fmt::format("the frame fits PM_PFRAME_MASK (bits 0-{}) untruncated", enc::PM_PFRAME_BITS - 1),
       z3::implies(in_range, (t | z3::shl(o, e.k(enc::MAX_SWAPFILES_SHIFT))) == f), show},
  };
  ObligationResult r = with_mirror_check(c, claims, opt);
  if (r.verdict != Verdict::Proved) return r;
  // The offset bound is exact: at 2^50 the frame wraps onto offset 0.
  if (!witness(c, e.pagemap_swap_frame(e.k(0), e.k(uint64_t{1} << OB)) == e.pagemap_swap_frame(e.k(0), e.k(0)), opt))
    return {Verdict::Refuted, {"expected offset 2^50 to collide with offset 0 (the bound is not where the model says)"}};
  r.detail.push_back(fmt::format("tight: offset 2^{} already aliases offset 0 (frame truncated to {} bits)", OB,
                                 enc::PM_PFRAME_BITS));
  return r;
}

ObligationResult pagemap_flags_disjoint(const ProofOptions& opt) {
  z3::context c;
  Enc e{c};
  expr frame = e.var("frame"), flags = e.var("flags"), t = e.var("type"), o = e.var("offset");
  const std::array<uint64_t, 7> bits = {enc::PM_SOFT_DIRTY, enc::PM_MMAP_EXCLUSIVE, enc::PM_UFFD_WP,
                                        enc::PM_GUARD_REGION, enc::PM_FILE, enc::PM_SWAP, enc::PM_PRESENT};
  expr single = c.bool_val(true);
  for (size_t i = 0; i < bits.size(); i++) {
    single = single && (e.k(bits[i]) & (e.k(bits[i]) - e.k(1))) == e.k(0) && e.k(bits[i]) != e.k(0);
    for (size_t j = i + 1; j < bits.size(); j++) single = single && (e.k(bits[i]) & e.k(bits[j])) == e.k(0);
  }
  expr entry = (frame & e.k(enc::PM_PFRAME_MASK)) | flags;
  expr flags_ok = e.subset(flags, enc::PM_FLAG_BITS);
  auto show = [&](const z3::model& m, std::vector<std::string>& out) {
    out.push_back(fmt::format("counterexample: frame={} flags={}", hex(model_u64(m, frame)), hex(model_u64(m, flags))));
  };
  expr sw = e.pagemap_swap_frame(t, o) | flags;
  std::vector<SubClaim> claims = {
      {"PM_SOFT_DIRTY, PM_MMAP_EXCLUSIVE, PM_UFFD_WP, PM_GUARD_REGION, PM_FILE, PM_SWAP, PM_PRESENT are distinct single bits",
       single, nullptr},
      {"no flag bit lies in PM_PFRAME_MASK", (e.k(enc::PM_FLAG_BITS) & e.k(enc::PM_PFRAME_MASK)) == e.k(0), nullptr},
      {"make_pme: any flags leave the frame field unchanged and read back exactly",
       z3::implies(flags_ok, (entry & e.k(enc::PM_PFRAME_MASK)) == (frame & e.k(enc::PM_PFRAME_MASK)) &&
                                 (entry & e.k(enc::PM_FLAG_BITS)) == flags),
       show},
      {"a swap entry's type and offset decode the same whatever flags are set",
       z3::implies(flags_ok && e.below(t, 32) && e.below(o, uint64_t{1} << enc::PAGEMAP_SWAP_OFFSET_BITS),
                   e.frame_type(sw & e.k(enc::PM_PFRAME_MASK)) == t &&
                       e.frame_offset(sw & e.k(enc::PM_PFRAME_MASK)) == o),
       show},
  };
  return with_mirror_check(c, claims, opt);
}

ObligationResult pte_marker_distinct(const ProofOptions& opt) {
  z3::context c;
  Enc e{c};
  expr t = e.var("type"), o = e.var("offset"), m = e.var("marker");
  expr real = e.below(t, enc::MAX_SWAPFILES) && e.subset(o, enc::SWP_OFFSET_MASK);
  expr x86_real = e.below(t, enc::MAX_SWAPFILES) && e.below(o, uint64_t{1} << enc::X86_SWP_OFFSET_BITS);
  expr mk = e.subset(m, enc::PTE_MARKER_MASK);
  expr marker = e.make_pte_marker_entry(m);
  expr xm = e.x86_swp_pte(e.swp_type(marker), e.swp_offset(marker));
  auto show = [&](const z3::model& mo, std::vector<std::string>& out) {
    out.push_back(fmt::format("counterexample: swap type={} offset={} vs marker bits={}", model_u64(mo, t),
                              hex(model_u64(mo, o)), hex(model_u64(mo, m))));
  };
  std::vector<SubClaim> claims = {
      {fmt::format("SWP_PTE_MARKER ({}) is a valid 5-bit type at or above MAX_SWAPFILES ({})", enc::SWP_PTE_MARKER,
                   enc::MAX_SWAPFILES),
       c.bool_val(enc::SWP_PTE_MARKER < (1u << enc::MAX_SWAPFILES_SHIFT) && enc::SWP_PTE_MARKER >= enc::MAX_SWAPFILES),
       nullptr},
      {"a marker entry never equals swp_entry(type, offset) for type < MAX_SWAPFILES",
       z3::implies(real && mk, marker != e.swp_entry(t, o)), show},
      {"is_pte_marker_entry holds for every marker and for no real swap entry",
       z3::implies(real && mk, e.is_pte_marker_entry(marker) && !e.is_pte_marker_entry(e.swp_entry(t, o))), show},
      {"pte_marker_get(make_pte_marker_entry(bits)) == bits (UFFD_WP, POISONED, GUARD, PAGEOUT)",
       z3::implies(mk, e.pte_marker_get(marker) == m), show},
      {"in the x86-64 swap PTE a marker differs from every real swap PTE and decodes back to (SWP_PTE_MARKER, bits)",
       z3::implies(x86_real && mk, xm != e.x86_swp_pte(t, o) && e.x86_type(xm) == e.k(enc::SWP_PTE_MARKER) &&
                                       e.x86_offset(xm) == m),
       show},
      {"pagemap tells them apart: a marker's frame has type SWP_PTE_MARKER, a real entry's type < MAX_SWAPFILES",
       z3::implies(real && mk, e.frame_type(e.pagemap_swap_frame(e.swp_type(marker), e.swp_offset(marker))) ==
                                   e.k(enc::SWP_PTE_MARKER)),
       show},
  };
  return with_mirror_check(c, claims, opt);
}

ObligationResult swp_pte_bits_independent(const ProofOptions& opt) {
  z3::context c;
  Enc e{c};
  expr t = e.var("type"), o = e.var("offset"), b = e.var("bits"), t2 = e.var("type2"), o2 = e.var("offset2");
  const uint64_t SW = enc::X86_PAGE_SWP_EXCLUSIVE | enc::X86_PAGE_SWP_SOFT_DIRTY | enc::X86_PAGE_SWP_UFFD_WP;
  const std::array<uint64_t, 3> each = {enc::X86_PAGE_SWP_EXCLUSIVE, enc::X86_PAGE_SWP_SOFT_DIRTY,
                                        enc::X86_PAGE_SWP_UFFD_WP};
  expr range = e.below(t, 1u << enc::X86_SWP_TYPE_BITS) && e.below(o, uint64_t{1} << enc::X86_SWP_OFFSET_BITS);
  expr range2 = e.below(t2, 1u << enc::X86_SWP_TYPE_BITS) && e.below(o2, uint64_t{1} << enc::X86_SWP_OFFSET_BITS);
  expr bs = e.subset(b, SW);
  expr pte = e.x86_swp_pte(t, o) | b;
  expr distinct_bits = c.bool_val(true);
  for (size_t i = 0; i < each.size(); i++)
    for (size_t j = i + 1; j < each.size(); j++) distinct_bits = distinct_bits && (e.k(each[i]) & e.k(each[j])) == e.k(0);
  // Setting or clearing any one software bit keeps type and offset.
  expr one_bit = c.bool_val(true);
  for (uint64_t bit : each)
    one_bit = one_bit && e.x86_type(pte | e.k(bit)) == t && e.x86_offset(pte | e.k(bit)) == o &&
              e.x86_type(pte & ~e.k(bit)) == t && e.x86_offset(pte & ~e.k(bit)) == o;
  auto show = [&](const z3::model& m, std::vector<std::string>& out) {
    out.push_back(fmt::format("counterexample: type={} offset={} bits={} pte={}", model_u64(m, t), hex(model_u64(m, o)),
                              hex(model_u64(m, b)), hex(model_u64(m, pte))));
  };
  // x86 pte_present: _PAGE_PRESENT | _PAGE_PROTNONE; pmd_present also _PAGE_PSE.
  const uint64_t PROTNONE = uint64_t{1} << enc::X86_PAGE_BIT_PROTNONE, PSE = uint64_t{1} << 7;
  std::vector<SubClaim> claims = {
      {"exclusive, soft-dirty and uffd-wp are three distinct bits", distinct_bits, nullptr},
      {"__swp_entry never sets them: (pte | bits) & bits-mask == bits", z3::implies(range && bs, (pte & e.k(SW)) == b),
       show},
      {"__swp_type/__swp_offset decode (type, offset) whatever bits are set", z3::implies(range && bs,
                                                                                       e.x86_type(pte) == t &&
                                                                                           e.x86_offset(pte) == o),
       show},
      {"setting or clearing any one of them keeps type and offset", z3::implies(range && bs, one_bit), show},
      {"changing type/offset keeps the bits: equal bits iff same bits, whatever the entry",
       z3::implies(range && range2 && bs, ((e.x86_swp_pte(t2, o2) | b) & e.k(SW)) == b), show},
      {"a swap PTE is neither pte_present (_PAGE_PRESENT|_PAGE_PROTNONE) nor pmd_present (also _PAGE_PSE)",
       z3::implies(range && bs, (pte & e.k(enc::X86_PAGE_PRESENT | PROTNONE | PSE)) == e.k(0)), show},
  };
  return with_mirror_check(c, claims, opt);
}

ObligationResult swp_pte_not_none(const ProofOptions& opt) {
  z3::context c;
  Enc e{c};
  expr t = e.var("type"), o = e.var("offset");
  // x86 pte_none ignores _PAGE_KNL_ERRATUM_MASK (_PAGE_DIRTY | _PAGE_ACCESSED).
  const uint64_t KNL = (uint64_t{1} << 6) | (uint64_t{1} << 5);
  expr pte = e.x86_swp_pte(t, o);
  auto none = [&](const expr& p) { return (p & ~e.k(KNL)) == e.k(0); };
  auto show = [&](const z3::model& m, std::vector<std::string>& out) {
    out.push_back(fmt::format("counterexample: type={} offset={} pte={}", model_u64(m, t), hex(model_u64(m, o)),
                              hex(model_u64(m, pte))));
  };
  // The swap header's last_page is a __u32 and si->max an unsigned int, so
  // real offsets are below 2^32 (read_swap_header in mm/swapfile.c).
  std::vector<SubClaim> claims = {
      {"no swap PTE with type < 32 and offset < 2^32 is pte_none",
       z3::implies(e.below(t, 32) && e.below(o, uint64_t{1} << 32), !none(pte)), show},
      {"nor with any offset below 2^50 - 1",
       z3::implies(e.below(t, 32) && e.below(o, (uint64_t{1} << enc::X86_SWP_OFFSET_BITS) - 1), !none(pte)), show},
  };
  ObligationResult r = with_mirror_check(c, claims, opt);
  if (r.verdict != Verdict::Proved) return r;
  const uint64_t last = (uint64_t{1} << enc::X86_SWP_OFFSET_BITS) - 1;
  if (!witness(c, none(e.x86_swp_pte(e.k(0), e.k(last))), opt))
    return {Verdict::Refuted, {"expected type 0, offset 2^50-1 to encode as the empty PTE"}};
  r.detail.push_back(fmt::format("tight: type 0, offset {} (2^50-1, the largest __swp_offset) encodes as the empty PTE; "
                                 "only the 32-bit swap header keeps it unused",
                                 hex(last)));
  return r;
}

}  // namespace

std::vector<Obligation> encoding_obligations() {
  return {
      {"encoding.pagemap_swap_frame",
       "pagemap swap frame type | offset << 5 is injective and decodes back (type < 32, offset < 2^50)",
       Expect::Proved, pagemap_swap_frame},
      {"encoding.pagemap_flags_disjoint", "pagemap flag bits 55-63 never overlap the 55-bit frame field",
       Expect::Proved, pagemap_flags_disjoint},
      {"encoding.pte_marker_distinct",
       "a PTE marker never equals a real swap entry (type < MAX_SWAPFILES); marker bits round-trip", Expect::Proved,
       pte_marker_distinct},
      {"encoding.swp_pte_bits_independent",
       "x86-64 swap PTE: exclusive/soft-dirty/uffd-wp bits are independent of type and offset", Expect::Proved,
       swp_pte_bits_independent},
      {"encoding.swp_pte_not_none", "an x86-64 swap PTE for a real offset is never pte_none", Expect::Proved,
       swp_pte_not_none},
  };
}

}  // namespace mmproofs
