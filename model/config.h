// Kernel configurations as values.  Each knob is named after the Kconfig
// option or the kernel condition it changes; a preset is a named bundle of
// knobs.  A Config is passed to every model function; there is no global.
//
// Knobs as data (new knobs go here): a bit of Config::knob_bits, declared
// in the header of the area that uses it (e.g. model/lru_knobs.h) with a
// kernel-named predicate, and listed in config.cpp's table.  Adding one
// then rebuilds config.cpp and the files of that area only, not every file
// that includes this header (a new field here rebuilds the whole project).
// The knobs still written as fields below predate this and can move over
// one by one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mm {

// A knob that is data: its bit in Config::knob_bits (ids are given in config.cpp).
using KnobId = uint8_t;
// The knobs as data that are on in Config{}, i.e. in v6.18 (config.cpp).
extern const uint64_t kKnobBitsDefault;

struct Config {
  std::string name = "v6.18";

  // PG_anon_exclusive exists (v5.19, "mm: track anonymous pages as exclusive").
  // Without it (v5.14) do_wp_page/do_swap_page decide reuse from refcounts.
  bool PG_anon_exclusive = true;
  // __HAVE_ARCH_PTE_SWP_EXCLUSIVE: try_to_unmap_one records exclusivity in
  // the swap PTE and do_swap_page trusts it ("mm/swap: remember
  // PG_anon_exclusive via a swp pte bit", v5.19).
  bool pte_swp_exclusive = true;
  // do_swap_page drops exclusivity for a folio under writeback when the
  // device has SWP_STABLE_WRITES.  The v2 series as first posted tested
  // !SWP_STABLE_WRITES instead; this knob models that inversion.
  bool swp_stable_writes_check_inverted = false;
  // FAULT_FLAG_UNSHARE: a R/O FOLL_PIN on a page that is not exclusive
  // unshares it first (gup_must_unshare, v5.19).  v5.14 pinned shared pages.
  bool gup_unshare_on_ro_pin = true;
  // "mm: store zero pages to be swapped out in a bitmap" (v6.12): swap_writeout
  // records a zero-filled folio in si->zeromap and does no I/O (no writeback).
  bool swap_zeromap = true;
  // /sys/kernel/mm/transparent_hugepage/use_zero_page (default 1): a read
  // fault in a THP-eligible VMA maps the huge zero folio by a PMD.
  bool thp_use_zero_page = true;
  // do_huge_zero_wp_pmd (in v6.18, not in v5.14): a write fault on the huge
  // zero PMD allocates a THP; off: the PMD is split and the page COWed small.
  bool huge_zero_wp_alloc_thp = true;
  // CONFIG_MEM_SOFT_DIRTY (off on the 6.18 machines here: pagemap bit 55 stays 0).
  bool CONFIG_MEM_SOFT_DIRTY = true;
  // CONFIG_PTE_MARKER_UFFD_WP (v6.0): uffd-wp survives zap/pageout on shmem via markers.
  bool CONFIG_PTE_MARKER_UFFD_WP = true;
  // CONFIG_PTE_MARKER_PAGEOUT (RFC 2021, never merged): pageout leaves a
  // PAGEOUT marker on present shmem PTEs, reported as PM_SWAP.
  bool CONFIG_PTE_MARKER_PAGEOUT = false;
  // "fs/proc/task_mmu: report SOFT_DIRTY/SWAP for shmem pages" (RFC 2021,
  // never merged): pagemap looks up the shmem xarray for pte_none.
  bool pagemap_shmem_xarray_lookup = false;
  // pagemap reader has CAP_SYS_ADMIN (pm->show_pfn): PFN / swap frame shown.
  bool pagemap_show_pfn = true;
  // mm_forbids_zeropage(mm) (include/linux/mm.h; s390 KVM guests, and guests
  // booted with pvm_no_zero_page=1): the shared zero page is never mapped.
  // do_anonymous_page allocates a zeroed exclusive folio on a read fault too
  // (writable and dirty when VM_WRITE), do_huge_pmd_anonymous_page never maps
  // the huge zero folio, and so GUP of an unpopulated page (which faults it in
  // for read) gets that fresh folio.  Off in every preset.
  bool mm_forbids_zeropage = false;
  // A broken can_change_pte_writable that skips the PageAnonExclusive test for
  // private mappings, so mprotect(PROT_READ|PROT_WRITE) makes a COW-shared
  // anon page writable (the bug class the test exists for).  Off in every
  // preset; scenarios turn it on to show the invariants catch it.
  bool mprotect_skip_anon_exclusive_check = false;
  // (lru_batch_other_cpu is a knob as data: model/lru_knobs.h.)

  // The knobs as data, bit KnobId set = on.  Presets set their bits in config.cpp;
  // Config{} (v6.18) has those of kKnobBitsDefault on.
  uint64_t knob_bits = kKnobBitsDefault;
  bool knob(KnobId id) const { return (knob_bits >> id) & 1u; }
  void set_knob(KnobId id, bool on) {
    knob_bits = on ? (knob_bits | (uint64_t{1} << id)) : (knob_bits & ~(uint64_t{1} << id));
  }

  bool operator==(const Config&) const = default;
};

struct KnobInfo {
  std::string_view name;
  bool Config::*field;  // a knob written as a field; nullptr for a knob as data
  std::string_view meaning;
  int bit = -1;         // a knob as data: its KnobId
};

// A knob's value in `cfg`, whichever way it is stored.
bool knob_value(const Config& cfg, const KnobInfo& k);

// Every knob, in a fixed order (for `mmcheck configs` and for overrides).
const std::vector<KnobInfo>& config_knobs();

struct PresetInfo {
  std::string_view name;
  std::string_view meaning;
};
const std::vector<PresetInfo>& config_presets();

// nullopt when the name is not a preset.
std::optional<Config> config_preset(std::string_view name);
// Set one knob by name; false when there is no such knob.
bool config_set_knob(Config& cfg, std::string_view knob, bool value);

}  // namespace mm
