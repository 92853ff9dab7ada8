#include "checker/live/counterexample.h"

#include <fmt/format.h>

#include "checker/engine/engine.h"
#include "checker/scenario/explore_checks.h"
#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"
#include "model/observe.h"
#include "model/pipe.h"

namespace mmc::live {

std::vector<TruthCheck> violation_observations(const mm::State& s, const mm::Config& cfg, const std::string& invariant,
                                               const std::string& facet) {
  std::vector<TruthCheck> out;
  const std::string shows = fmt::format("{}/{}", invariant, facet);
  for (int pi = 0; pi < mm::MAX_PROCS; pi++) {
    const mm::Process& p = s.proc[pi];
    if (p.alive != mm::PROC_ALIVE) continue;
    for (int pg = 0; pg < mm::MAX_PAGES; pg++) {
      const mm::Vma* v = mm::find_vma(p, pg);
      if (!v) continue;
      auto add = [&](scenario::ObsKind k, const char* field, uint64_t value) {
        out.push_back(TruthCheck{k, pi, pg, field, value, shows});
      };
      const uint64_t pm = mm::pagemap_read(s, pi, pg, cfg).entry;
      auto bit = [&](uint64_t b) { return static_cast<uint64_t>((pm & b) != 0); };
      if (invariant == "cow_isolation" && facet == "wrong-value") {
        // The value the program stored: what every load must return.
        const uint8_t want = mm::expected_value(s, pi, pg);
        if (mm::read_value(s, pi, pg) != want) add(scenario::ObsKind::ReadValue, "", want);
      } else if (invariant == "pm_swap_accuracy") {
        const uint64_t truth = mm::data_in_swap(s, pi, pg) ? 1 : 0;
        if (bit(mm::enc::PM_SWAP) != truth) add(scenario::ObsKind::Pagemap, "swap", truth);
      } else if (invariant == "mincore_semantics") {
        // What mincore reports in a kernel that follows the documentation;
        // the invariant's own test of residency (the v6.18 page-cache walk).
        mm::Config mainline = cfg;
        mainline.CONFIG_PTE_MARKER_UFFD_WP = true;
        const uint8_t truth = mm::mincore_byte(s, pi, pg, mainline);
        if (mm::mincore_byte(s, pi, pg, cfg) != truth) add(scenario::ObsKind::Mincore, "", truth);
      } else if (invariant == "soft_dirty_persistence") {
        if ((p.ghost[pg] & mm::GHOST_WRITTEN) && !bit(mm::enc::PM_SOFT_DIRTY))
          add(scenario::ObsKind::Pagemap, "soft_dirty", 1);
      } else if (invariant == "uffd_wp_persistence") {
        if ((p.ghost[pg] & mm::GHOST_WP) && !bit(mm::enc::PM_UFFD_WP)) add(scenario::ObsKind::Pagemap, "uffd_wp", 1);
      } else if (invariant == "pagemap_exclusive") {
        if (bit(mm::enc::PM_MMAP_EXCLUSIVE)) add(scenario::ObsKind::Pagemap, "exclusive", 0);
      }
    }
  }
  // A pipe read shows a leak into a vmspliced page (CVE-2020-29374): the
  // head buffer must read what its splicer spliced or stored itself.  Any
  // running process may read the pipe.
  if (invariant == "cow_isolation" && facet == "pipe-leak") {
    const mm::PipeBuffer& head = s.pipe[0];
    int reader = -1;
    for (int pi = mm::MAX_PROCS - 1; pi >= 0; pi--)
      if (s.proc[pi].alive == mm::PROC_ALIVE) reader = pi;
    if (reader >= 0 && head.used() && mm::pipe_read_value(s) != head.value())
      out.push_back(TruthCheck{scenario::ObsKind::PipeRead, reader, 0, "", head.value(), shows});
  }
  return out;
}

Counterexample find_counterexample(const scenario::Scenario& sc, const std::string& invariant, std::string& why,
                                   const scenario::RunOptions& opt) {
  Counterexample cx;
  if (!sc.explore) {
    why = "the scenario has no explore block";
    return cx;
  }
  std::string cut;  // the first config whose search a bound cut short, and the bound
  for (const scenario::NamedConfig& nc : scenario::scenario_configs(sc, opt)) {
    engine::Workload w = scenario::build_workload(sc, nc, opt);
    engine::Options eo;
    eo.max_memory_mb = opt.max_memory_mb;  // --max-memory-mb of the command
    eo.progress = opt.progress == scenario::Progress::Stderr;
    engine::Result r = engine::explore(w, eo);
    if (!r.complete && cut.empty())
      cut = fmt::format("under {}: {}", nc.name,
                        r.bounds_hit.empty() ? std::string("a bound was hit") : scenario::scenario_bound_hint(r.bounds_hit.front()));
    for (const auto& v : r.verdicts) {
      if (v.verdict != engine::Verdict::Violated || !v.trace) continue;
      if (!invariant.empty() && v.invariant != invariant) continue;
      cx.invariant = v.invariant;
      cx.facet = v.facet;
      cx.config = nc.name;
      cx.explanation = v.explanation;
      for (const auto& st : v.trace->steps) cx.events.push_back(st.event);
      cx.violating = v.trace->steps.empty() ? v.trace->initial : v.trace->steps.back().after;
      cx.truths = violation_observations(cx.violating, nc.config, cx.invariant, cx.facet);
      return cx;
    }
  }
  why = invariant.empty() ? "exploration finds no violation under any of its configs"
                          : fmt::format("exploration finds no violation of {}", invariant);
  if (!cut.empty()) {
    cx.incomplete = true;
    why = fmt::format("the exploration is incomplete ({}) and finds no violation{} in what it reached", cut,
                      invariant.empty() ? "" : " of " + invariant);
  }
  return cx;
}

}  // namespace mmc::live
