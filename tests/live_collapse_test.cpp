// Live MADV_COLLAPSE (checker/live/plan.cpp collapse_step, prelude
// live_mmap_pmd / live_collapse, kernel_profile probe_collapse): the model's
// 2-page PMD range on a real PMD range, the errno as an observation, and
// the cases the mapping cannot stand for.  Running on the kernel:
// tests/cli/live_*.sh and `replay --live` (docs/kernel-experiments.md 13).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "checker/live/emit.h"
#include "checker/live/kernel_profile.h"
#include "checker/live/plan.h"
#include "checker/scenario/parser.h"
#include "model/khugepaged.h"
#include "model/mm.h"
#include "model/setup.h"

using namespace mmc;

namespace {

live::Plan plan_of(const std::string& body) {
  mm::Config cfg = live::running_kernel_config("\n# CONFIG_MEM_SOFT_DIRTY is not set\nCONFIG_PTE_MARKER_UFFD_WP=y\n", true);
  const std::string text = "scenario \"t\"\nconfig v6.18\nbackground none\nprocess A\n" + body;
  return live::build_plan(scenario::parse_scenario(text, "t.scenario"), cfg);
}

const live::Observation* find_obs(const live::Plan& p, const std::string& text) {
  for (const auto& o : p.observations)
    if (o.text == text) return &o;
  return nullptr;
}

}  // namespace

TEST_SUITE("live: MADV_COLLAPSE") {

TEST_CASE("a collapsed mapping goes on a real PMD range; the errno is observed, with what the model returns") {
  live::Plan p = plan_of("A: p = mmap 2 private\nA: write p[0] 1\nA: vmsplice p[0]\nA: madvise p[0] MADV_COLLAPSE\n"
                         "A: read pipe\nA: madvise p[1] MADV_COLLAPSE\n");
  CHECK(p.why_not_live.empty());
  CHECK(p.pmd_ranges);
  const std::string c = live::emit_c(p);
  CHECK(c.find("live_thp_setup();") != std::string::npos);
  CHECK(c.find("live_mmap_pmd(0);") != std::string::npos);
  CHECK(c.find("live_pmd_fill(0") == std::string::npos);  // not uffd-armed: the other PTEs stay none
  const live::Observation* refused = find_obs(p, "A: madvise p[0] MADV_COLLAPSE returns");
  REQUIRE(refused);
  CHECK(refused->allowed == std::set<uint64_t>{EAGAIN});  // the pipe's reference: SCAN_PAGE_COUNT
  const live::Observation* done = find_obs(p, "A: madvise p[1] MADV_COLLAPSE returns");
  REQUIRE(done);
  CHECK(done->allowed == std::set<uint64_t>{0});
  // both pages of the pair are observed after the call
  CHECK(find_obs(p, "A: pagemap p[1] after MADV_COLLAPSE"));
  CHECK(find_obs(p, "A: pagemap p[0] after MADV_COLLAPSE"));
}

TEST_CASE("a uffd-armed PMD range gets written fillers (a none PTE would refuse: SCAN_EXCEED_NONE_PTE)") {
  live::Plan p = plan_of("A: p = mmap 2 private uffd-wp\nA: write p[0] 1\nA: write p[1] 1\nA: madvise p[0] MADV_COLLAPSE\n");
  CHECK(p.why_not_live.empty());
  CHECK(live::emit_c(p).find("live_pmd_fill(0, 2);") != std::string::npos);
  CHECK(find_obs(p, "A: madvise p[0] MADV_COLLAPSE returns")->allowed == std::set<uint64_t>{0});
  // an empty pair in that VMA: the written fillers make a page table the model has not
  live::Plan q = plan_of("A: p = mmap 2 private uffd-wp\nA: madvise p[0] MADV_COLLAPSE\n");
  CHECK(q.why_not_live.find("pmd_none") != std::string::npos);
}

TEST_CASE("an emptied pair is not live: the real page table outlives its PTEs") {
  live::Plan p = plan_of("A: p = mmap 2 private\nA: write p[0] 1\nA: madvise p[0] MADV_DONTNEED\nA: madvise p[0] MADV_COLLAPSE\n");
  CHECK(p.why_not_live.find("pmd_none") != std::string::npos);
  // never touched: pmd_none in both, EINVAL in both
  live::Plan fresh = plan_of("A: p = mmap 2 private\nA: madvise p[0] MADV_COLLAPSE\n");
  CHECK(fresh.why_not_live.empty());
  CHECK(find_obs(fresh, "A: madvise p[0] MADV_COLLAPSE returns")->allowed == std::set<uint64_t>{EINVAL});
}

TEST_CASE("mappings that are not the model's 2-page PMD range are not live") {
  CHECK(plan_of("A: p = mmap 1 private\nA: write p[0] 1\nA: madvise p[0] MADV_COLLAPSE\n").why_not_live.find("2-page") !=
        std::string::npos);
  // shmem: the model does not model collapse_file, so the step is impossible
  CHECK_THROWS_AS(plan_of("A: p = mmap 2 shared\nA: write p[0] 1\nA: madvise p[0] MADV_COLLAPSE\n"), scenario::ScenarioError);
  CHECK(plan_of("A: p = mmap 2 private\nA: write p[0] 1\nA: madvise p[0] MADV_COLLAPSE\nA: mremap p\n").why_not_live.find(
            "mremap") != std::string::npos);
}

TEST_CASE("a counterexample trace with MADV_COLLAPSE puts the script's collapsible mapping on a PMD range") {
  const auto sc = scenario::parse_scenario(R"(scenario "t"
config v6.18
process A
A: p = mmap 2 private uffd-wp
explore events write collapse<=1 fork<=1 wp
check cow_isolation holds
)",
                                           "t.scenario");
  mm::Config cfg = live::running_kernel_config("", true);
  using K = mm::EventKind;
  std::vector<mm::Event> trace = {{K::WriteFault, 0, 0, 1}, {K::WriteFault, 0, 1, 2}, {K::MadvCollapse, 0, 1, 0}};
  live::Plan p = live::build_trace_plan(sc, trace, cfg);
  CHECK(p.why_not_live.empty());
  const std::string c = live::emit_c(p);
  CHECK(c.find("live_mmap_pmd(0);") != std::string::npos);
  CHECK(c.find("live_pmd_fill(0, 2);") != std::string::npos);
  CHECK(c.find("live_collapse(0, 1)") != std::string::npos);
  const live::Observation* o = find_obs(p, "A: madvise p[1] MADV_COLLAPSE returns");
  REQUIRE(o);
  CHECK(o->allowed == std::set<uint64_t>{0});
}

TEST_CASE("a private `thp` mapping is the start of a MADV_HUGEPAGE PMD range: its write fault maps a real THP") {
  live::Plan p = plan_of("A: p = mmap 2 private thp\nA: write p[0] 1\nexpect A: scan p[1] huge=1\n");
  CHECK(p.why_not_live.empty());
  CHECK(p.thp_faults);
  const std::string c = live::emit_c(p);
  CHECK(c.find("live_mmap_pmd(0);") != std::string::npos);
  CHECK(c.find("live_madvise_map(0, MADV_HUGEPAGE, \"MADV_HUGEPAGE\");") != std::string::npos);
  // one page, or not at the pair's start: not live
  CHECK(plan_of("A: p = mmap 1 private thp\n").why_not_live.find("2-page") != std::string::npos);
  CHECK_FALSE(plan_of("A: p = mmap 2 private\nA: write p[0] 1\n").thp_faults);
}

TEST_CASE("the model's MADV_COLLAPSE return: madvise_collapse_errno of the scan result, state unchanged") {
  mm::Config cfg = *mm::config_preset("v6.18");
  mm::State s{};
  const int a = mm::create_process(s);
  const int at = mm::do_mmap(s, a, mm::VmaKind::PrivateAnon, 2, 0, -1, 0, cfg);
  CHECK(mm::madvise_collapse_return(s, a, at, cfg) == EINVAL);  // nothing mapped
  mm::Event w{mm::EventKind::WriteFault, static_cast<uint8_t>(a), static_cast<uint8_t>(at), 1};
  REQUIRE(mm::apply(s, w, cfg).status == mm::Status::Done);
  const mm::State before = s;
  CHECK(mm::madvise_collapse_return(s, a, at, cfg) == 0);
  CHECK(s == before);
}

TEST_CASE("the probe's answer: ok, or the reason a live collapse cannot run") {
  live::ProbeResults r;
  r.release = "6.18.44";
  r.kconfig_available = true;
  r.kconfig_soft_dirty = false;
  r.kconfig_marker_uffd_wp = true;
  r.pm_untouched = 0;
  r.madv_collapse = "ok";
  CHECK(live::classify(r).madv_collapse);
  r.madv_collapse = "THP enabled=always and no PR_THP_DISABLE_EXCEPT_ADVISED (before 6.18): faults would map THPs";
  const live::KernelProfile p = live::classify(r);
  CHECK_FALSE(p.madv_collapse);
  bool fact = false;
  for (const auto& f : p.facts) fact |= f.probe == "MADV_COLLAPSE" && f.result == r.madv_collapse;
  CHECK(fact);
  CHECK(live::probe_results_json(r).find("\"madv_collapse\"") != std::string::npos);
  r.thp_fault = "THP enabled=never: faults do not map THPs";
  CHECK_FALSE(live::classify(r).thp_fault);
  r.thp_fault = "ok";
  CHECK(live::classify(r).thp_fault);
}

}
