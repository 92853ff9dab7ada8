#include "model/config.h"

#include "model/lru_knobs.h"
#include "model/migrate_knobs.h"
#include "model/madvise_knobs.h"

namespace mm {

// The ids of the knobs as data (Config::knob_bits), one line each.
const KnobId KNOB_lru_batch_other_cpu = 0;
const KnobId KNOB_migration_entry_wrprotect = 1;
const KnobId KNOB_madv_guard_regions = 2;

// The knobs as data that are on in Config{} (v6.18).
const uint64_t kKnobBitsDefault = uint64_t{1} << KNOB_madv_guard_regions;

const std::vector<KnobInfo>& config_knobs() {
  static const std::vector<KnobInfo> knobs = {
      {"PG_anon_exclusive", &Config::PG_anon_exclusive,
       "PG_anon_exclusive tracks exclusive anon pages (v5.19+); off: reuse by refcount as in v5.14"},
      {"pte_swp_exclusive", &Config::pte_swp_exclusive,
       "__HAVE_ARCH_PTE_SWP_EXCLUSIVE: swap PTEs remember PG_anon_exclusive"},
      {"swp_stable_writes_check_inverted", &Config::swp_stable_writes_check_inverted,
       "do_swap_page tests !SWP_STABLE_WRITES (anon-exclusive series v2 as first posted)"},
      {"gup_unshare_on_ro_pin", &Config::gup_unshare_on_ro_pin,
       "FAULT_FLAG_UNSHARE: R/O FOLL_PIN unshares a non-exclusive anon page first"},
      {"swap_zeromap", &Config::swap_zeromap,
       "swap_writeout keeps zero-filled folios in the swap zeromap, without writeback (v6.12+)"},
      {"thp_use_zero_page", &Config::thp_use_zero_page,
       "transparent_hugepage/use_zero_page: a read fault in a THP VMA maps the huge zero page"},
      {"huge_zero_wp_alloc_thp", &Config::huge_zero_wp_alloc_thp,
       "do_huge_zero_wp_pmd: a write to the huge zero PMD allocates a THP (v6.18; v5.14 split it)"},
      {"CONFIG_MEM_SOFT_DIRTY", &Config::CONFIG_MEM_SOFT_DIRTY,
       "soft-dirty tracking in PTEs and pagemap bit 55"},
      {"CONFIG_PTE_MARKER_UFFD_WP", &Config::CONFIG_PTE_MARKER_UFFD_WP,
       "uffd-wp markers keep write-protection of shmem PTEs across zap and pageout"},
      {"CONFIG_PTE_MARKER_PAGEOUT", &Config::CONFIG_PTE_MARKER_PAGEOUT,
       "RFC: pageout leaves a PAGEOUT marker on present shmem PTEs (PM_SWAP for shmem)"},
      {"pagemap_shmem_xarray_lookup", &Config::pagemap_shmem_xarray_lookup,
       "RFC: pagemap looks up the shmem page cache for pte_none entries"},
      {"pagemap_show_pfn", &Config::pagemap_show_pfn,
       "pagemap reader has CAP_SYS_ADMIN: PFN and swap frame are shown"},
      {"lru_batch_other_cpu", nullptr,
       "new folios may sit in another CPU's lru_add batch until lru_add_drain: MADV_PAGEOUT and reclaim skip them",
       KNOB_lru_batch_other_cpu},
      {"MADV_GUARD_INSTALL", nullptr,
       "guard regions (v6.13+): MADV_GUARD_INSTALL/REMOVE put PTE_MARKER_GUARD; off: -EINVAL, nothing changes",
       KNOB_madv_guard_regions},
      {"mm_forbids_zeropage", &Config::mm_forbids_zeropage,
       "mm_forbids_zeropage(): read faults allocate a zeroed exclusive folio; no (huge) zero page is ever mapped"},
      {"migration_entry_wrprotect", nullptr,
       "PROPOSED FIX (no kernel): clear_refs and PAGEMAP_SCAN make a writable migration entry readable first, as "
       "change_pte_range does (v6.18 lets remove_migration_pte map it writable: soft-dirty and uffd-wp lost)",
       KNOB_migration_entry_wrprotect},
      {"mprotect_skip_anon_exclusive_check", &Config::mprotect_skip_anon_exclusive_check,
       "BROKEN on purpose: can_change_pte_writable upgrades any anon page of a private VMA (no PageAnonExclusive test)"},
  };
  return knobs;
}

const std::vector<PresetInfo>& config_presets() {
  static const std::vector<PresetInfo> presets = {
      {"v5.14", "the kernel the 2021 seed threads discuss: no PG_anon_exclusive, no PTE markers"},
      {"v6.18", "mainline on these machines: swp exclusive bit with the correct SWP_STABLE_WRITES test, uffd-wp markers"},
      {"anon-exclusive-v2-inverted", "v6.18 with the SWP_STABLE_WRITES test inverted, as the v2 series was first posted"},
      {"rfc-pte-marker-pageout", "v5.14 + Peter Xu's RFC: CONFIG_PTE_MARKER_PAGEOUT"},
      {"rfc-pagemap-xarray", "v5.14 + Tiberiu Georgescu's RFC: pagemap looks up the shmem xarray"},
  };
  return presets;
}

static Config v5_14() {
  Config c;
  c.name = "v5.14";
  c.PG_anon_exclusive = false;
  c.pte_swp_exclusive = false;
  c.gup_unshare_on_ro_pin = false;
  c.CONFIG_PTE_MARKER_UFFD_WP = false;
  c.swap_zeromap = false;
  c.huge_zero_wp_alloc_thp = false;
  c.set_knob(KNOB_madv_guard_regions, false);
  return c;
}

std::optional<Config> config_preset(std::string_view name) {
  if (name == "v6.18") return Config{};
  if (name == "v5.14") return v5_14();
  if (name == "anon-exclusive-v2-inverted") {
    Config c;
    c.name = std::string(name);
    c.swp_stable_writes_check_inverted = true;
    return c;
  }
  if (name == "rfc-pte-marker-pageout") {
    Config c = v5_14();
    c.name = std::string(name);
    c.CONFIG_PTE_MARKER_PAGEOUT = true;
    return c;
  }
  if (name == "rfc-pagemap-xarray") {
    Config c = v5_14();
    c.name = std::string(name);
    c.pagemap_shmem_xarray_lookup = true;
    return c;
  }
  return std::nullopt;
}

bool knob_value(const Config& cfg, const KnobInfo& k) {
  return k.field ? cfg.*(k.field) : cfg.knob(static_cast<KnobId>(k.bit));
}

bool config_set_knob(Config& cfg, std::string_view knob, bool value) {
  for (const auto& k : config_knobs()) {
    if (k.name == knob) {
      if (k.field) cfg.*(k.field) = value;
      else cfg.set_knob(static_cast<KnobId>(k.bit), value);
      return true;
    }
  }
  return false;
}

}  // namespace mm
