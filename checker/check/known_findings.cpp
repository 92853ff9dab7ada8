// The table of known kernel findings (see known_findings.h for why and how
// narrowly a finding matches).  Add a finding only with its documentation
// (docs/model.md "Findings") and a scenario that shows it; drop it when the
// kernel (and the model's preset) is fixed.
#include "checker/check/known_findings.h"

#include <algorithm>

namespace mmc::check {

const std::vector<KnownFinding>& known_findings() {
  static const std::vector<KnownFinding> table = {
      {"K1", "migrate-1p", "pagemap_consistency", {"soft-dirty-lost", "writable-untracked"},
       // The entry must exist when clear_refs runs: migrate_unmap and clear_refs.
       {mm::EventKind::MigrateUnmap, mm::EventKind::ClearRefs},
       "migration_entry_wrprotect",
       "clear_refs (clear_soft_dirty) cannot write-protect a writable migration entry; remove_migration_pte "
       "maps it writable and not soft-dirty, so the next store is not tracked (6.18 fs/proc/task_mmu.c, "
       "mm/migrate.c)",
       "docs/model.md \"Findings\" 1; scenarios/migration/migration-explore.scenario"},
  };
  return table;
}

namespace {

bool fix_knob_off(const mm::Config& cfg, std::string_view knob) {
  for (const mm::KnobInfo& k : mm::config_knobs())
    if (k.name == knob) return !mm::knob_value(cfg, k);
  return false;  // a finding naming no knob never applies (a typo must not hide violations)
}

}  // namespace

std::vector<const KnownFinding*> known_findings_of(const mm::Config& cfg, std::string_view start) {
  std::vector<const KnownFinding*> out;
  for (const KnownFinding& k : known_findings())
    if (k.start == start && fix_knob_off(cfg, k.fix_knob)) out.push_back(&k);
  return out;
}

const KnownFinding* known_finding_for(const mm::Config& cfg, std::string_view start, std::string_view invariant,
                                      std::string_view facet, const std::vector<mm::EventKind>& trace_kinds) {
  for (const KnownFinding* k : known_findings_of(cfg, start)) {
    if (k->invariant != invariant) continue;
    if (std::find(k->facets.begin(), k->facets.end(), facet) == k->facets.end()) continue;
    const bool signed_trace = std::all_of(k->signature.begin(), k->signature.end(), [&](mm::EventKind e) {
      return std::find(trace_kinds.begin(), trace_kinds.end(), e) != trace_kinds.end();
    });
    if (signed_trace) return k;
  }
  return nullptr;
}

}  // namespace mmc::check
