// checker/live: the plan (what the model allows at each observation), the
// C program text, the program's output format and the comparison.  Running
// programs on the kernel is tested by tests/cli/live_*.sh.
#include <doctest/doctest.h>

#include <string>

#include "checker/live/emit.h"
#include "checker/live/plan.h"
#include "checker/live/program.h"
#include "checker/live/replay.h"
#include "checker/scenario/parser.h"
#include "model/encoding.h"

using namespace mmc;

namespace {

live::Plan plan_of(const std::string& text) {
  mm::Config cfg = live::running_kernel_config("\n# CONFIG_MEM_SOFT_DIRTY is not set\nCONFIG_PTE_MARKER_UFFD_WP=y\n", true);
  return live::build_plan(scenario::parse_scenario(text, "t.scenario"), cfg);
}

const live::Observation& find_obs(const live::Plan& p, const std::string& text) {
  for (const auto& o : p.observations)
    if (o.text == text) return o;
  FAIL("no observation named " << text);
  return p.observations.front();
}

const char* PAGEOUT = R"(scenario "t"
config v6.18
live
swap sda async
process A
A: p = mmap 1 private
A: write p[0] 1
A: madvise p[0] MADV_PAGEOUT
expect A: mincore p[0] == 1
kernel: swapcache_drop p[0]
expect A: pagemap p[0] present=0 swap=1
expect A: read p[0] == 1
expect A: pagemap p[0] present=1
)";

}  // namespace

TEST_CASE("live: the running kernel's config comes from /proc/config.gz text") {
  mm::Config off = live::running_kernel_config("\n# CONFIG_MEM_SOFT_DIRTY is not set\nCONFIG_PTE_MARKER_UFFD_WP=y\n", false);
  CHECK(off.name == "v6.18");
  CHECK_FALSE(off.CONFIG_MEM_SOFT_DIRTY);
  CHECK(off.CONFIG_PTE_MARKER_UFFD_WP);
  CHECK_FALSE(off.pagemap_show_pfn);
  mm::Config on = live::running_kernel_config("\nCONFIG_MEM_SOFT_DIRTY=y\n# CONFIG_PTE_MARKER_UFFD_WP is not set\n", true);
  CHECK(on.CONFIG_MEM_SOFT_DIRTY);
  CHECK_FALSE(on.CONFIG_PTE_MARKER_UFFD_WP);
  // Unreadable config: the preset's knobs stay.
  CHECK(live::running_kernel_config("", true).CONFIG_MEM_SOFT_DIRTY == mm::config_preset("v6.18")->CONFIG_MEM_SOFT_DIRTY);
}

TEST_CASE("live: comparable values drop PFNs and swap offsets but keep marker frames") {
  using namespace mm::enc;
  const auto pm = live::ObsKind::Pagemap;
  CHECK(live::comparable(pm, PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x12345) == (PM_PRESENT | PM_MMAP_EXCLUSIVE));
  CHECK(live::comparable(pm, PM_SWAP | pagemap_swap_frame(0, 7)) == PM_SWAP);
  CHECK(live::comparable(pm, PM_SWAP | pagemap_swap_frame(0, 7)) == live::comparable(pm, PM_SWAP | pagemap_swap_frame(0, 1)));
  const uint64_t marker = PM_SWAP | PM_UFFD_WP | pagemap_swap_frame(SWP_PTE_MARKER, PTE_MARKER_UFFD_WP);
  CHECK(live::comparable(pm, marker) == marker);
  CHECK(live::comparable(live::ObsKind::Mincore, 1) == 1);
}

TEST_CASE("live: the plan allows what kernel events may do, and does not force scripted kernel steps") {
  live::Plan p = plan_of(PAGEOUT);
  CHECK(p.why_not_live.empty());
  CHECK(p.needs_swap);
  // After pageout the kernel may drop the swap cache at any time: mincore 0 or 1.
  const auto& mc = find_obs(p, "A: mincore p[0]");
  CHECK(mc.allowed == std::set<uint64_t>{0, 1});
  // The scripted swapcache_drop is not forced: both outcomes stay allowed.
  CHECK(p.notes.size() == 1);
  // An `expect read` is a real load: the model faults the page in too.
  const auto& after = p.observations.back();
  CHECK(after.text == "A: pagemap p[0]");
  for (uint64_t v : after.allowed) CHECK((v & mm::enc::PM_PRESENT) != 0);
  // Every observation has the model's values.
  for (const auto& o : p.observations) CHECK_FALSE(o.allowed.empty());
  CHECK(p.tests.size() == 4);
}

TEST_CASE("live: steps a program cannot perform make a scenario not live-capable") {
  CHECK(plan_of("scenario \"t\"\nconfig v6.18\nswap sda sync\nprocess A\nA: p = mmap 1 private\n").why_not_live.find("synchronous") !=
        std::string::npos);
  CHECK(plan_of("scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\nA: pin p[0]\n").why_not_live.find("pin") !=
        std::string::npos);
  CHECK(plan_of("scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 2 shared thp\n").why_not_live.find("THP") != std::string::npos);
  CHECK(plan_of("scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 2 private thp\nA: write p[0] 1\nA: split p[0]\n")
            .why_not_live.find("split") != std::string::npos);
}

TEST_CASE("live: emit-c is deterministic and schedules each step in its process") {
  live::Plan p = plan_of(R"(scenario "t"
config v6.18
file f = memfd 1
process A
A: m = mmap f shared uffd-wp
A: write m[0] 1
A: fork B
expect B: pagemap m[0] present=0
expect lseek f SEEK_DATA 0 == 0
B: exit
)");
  const std::string c = live::emit_c(p);
  CHECK(c == live::emit_c(p));
  CHECK(c.find("live_fd[0] = live_memfd(\"f\", 1);") != std::string::npos);
  CHECK(c.find("live_uffd_register(0);") != std::string::npos);
  CHECK(c.find("live_run_fork(0, 3, 1);") != std::string::npos);
  CHECK(c.find("live_run_exit(1);") != std::string::npos);
  CHECK(c.find("live_run(-1, 5);") != std::string::npos);  // lseek runs in the coordinator
  CHECK(c.find("1..2") != std::string::npos);
}

TEST_CASE("live: program output parsing") {
  live::ProgramOutput o = live::parse_output(
      "TAP version 13\n1..3\n# obs 1 0x8100000000001234\n# obs 2 -1\n# obs 3 1\nok 1 always A: x (line 3)\n"
      "not ok 2 always A: y (line 4)\nok 3 sometimes z # SKIP not seen in this run\n# madvise MADV_PAGEOUT: EINVAL\n"
      "Bail out! mmap: ENOMEM\ngarbage\n");
  CHECK(o.planned == 3);
  CHECK(o.obs.at(1) == 0x8100000000001234ULL);
  CHECK(o.obs.at(2) == static_cast<uint64_t>(-1));
  CHECK(o.obs.at(3) == 1);
  REQUIRE(o.tests.size() == 3);
  CHECK(o.tests[0].ok);
  CHECK_FALSE(o.tests[1].ok);
  CHECK(o.tests[1].text == "always A: y (line 4)");
  CHECK(o.tests[2].skip);
  CHECK(o.bail.size() == 1);
  CHECK(o.malformed == std::vector<std::string>{"garbage"});
}

TEST_CASE("live: a kernel value outside the model's set is a disagreement; a missing one too") {
  live::Plan p = plan_of(PAGEOUT);
  live::ProgramOutput out;
  for (const auto& o : p.observations) out.obs[o.id] = *o.raw.begin();
  for (const auto& v : live::compare(p, out)) CHECK(v.agree);
  // The kernel shows the page still present after MADV_PAGEOUT (a folio on
  // another CPU's LRU batch): the model does not allow it (yet).
  const auto& after_pageout = find_obs(p, "A: pagemap p[0] after MADV_PAGEOUT");
  out.obs[after_pageout.id] = mm::enc::PM_PRESENT | mm::enc::PM_MMAP_EXCLUSIVE | 0x4242;
  out.obs.erase(p.observations.back().id);
  int disagree = 0, missing = 0;
  for (const auto& v : live::compare(p, out)) {
    disagree += v.agree ? 0 : 1;
    missing += v.printed ? 0 : 1;
    if (!v.agree) CHECK(live::verdict_line("t.scenario", v).rfind("DISAGREE", 0) == 0);
  }
  CHECK(disagree == 3);  // the pagemap, its pagemap+mincore pair, and the missing value
  CHECK(missing == 1);
}

TEST_CASE("live: a counterexample trace becomes a reproducer of the script prefix plus the trace") {
  const auto sc = scenario::parse_scenario(R"(scenario "t"
config v6.18
swap sda async
process A
A: p = mmap 1 private
explore events write read pageout fork<=1 writeback
check cow_isolation holds
)",
                                           "t.scenario");
  mm::Config cfg = live::running_kernel_config("", true);
  using K = mm::EventKind;
  std::vector<mm::Event> trace = {{K::WriteFault, 0, 0, 1}, {K::MadvPageout, 0, 0, 0}, {K::WritebackEnd, 0, 0, 0},
                                  {K::Fork, 0, 0, 0},       {K::ReadFault, 1, 0, 0}};
  live::Plan p = live::build_trace_plan(sc, trace, cfg);
  CHECK(p.why_not_live.empty());
  CHECK(p.proc_names[1] == "B");
  const std::string c = live::emit_c(p);
  CHECK(c.find("live_madvise(0, 0, MADV_PAGEOUT") != std::string::npos);
  CHECK(c.find("live_run_fork(0, 5, 1);") != std::string::npos);
  CHECK(c.find("/* B: read p[0] */") != std::string::npos);
  CHECK(c.find("kernel: writeback (not forced") != std::string::npos);
  // B's read sees the value A wrote before the pageout.
  CHECK(find_obs(p, "B: read p[0]").allowed == std::set<uint64_t>{1});
}

TEST_CASE("live: a scenario expectation becomes a TAP check only when the model expects it of this kernel") {
  const char* text = R"(scenario "t"
config v6.18
process A
A: p = mmap 1 private
A: write p[0] 1
expect A: pagemap p[0] present=1 soft_dirty=1
expect A: pagemap p[0] present=1 exclusive=1
)";
  // This kernel: no CONFIG_MEM_SOFT_DIRTY, so bit 55 stays 0 and the first
  // expectation (true for the v6.18 preset) is skipped, not failed.
  const std::string c = live::emit_c(plan_of(text));
  CHECK(c.find("live_tap_skip(1,") != std::string::npos);
  CHECK(c.find("live_tap(2, live_pm_present(e) == 1 && live_pm_exclusive(e) == 1,") != std::string::npos);
  // Under the preset itself both are checked.
  const auto preset = live::build_plan(scenario::parse_scenario(text, "t.scenario"), *mm::config_preset("v6.18"));
  const std::string c2 = live::emit_c(preset);
  CHECK(c2.find("live_tap(1, live_pm_present(e) == 1 && live_pm_soft_dirty(e) == 1,") != std::string::npos);
}

// Issue 10: the plan under a kernel profile; the file's configs decide
// whether its expectations apply.
TEST_CASE("live: the zero-page scenario under both kernel profiles") {
  const char* text = R"(scenario "t"
config v6.18 v6.18 +mm_forbids_zeropage
live
process A
A: p = mmap 1 private
A: read p[0]
expect A: pagemap p[0] present=1 exclusive=0 under v6.18
expect A: pagemap p[0] present=1 exclusive=1 under v6.18+mm_forbids_zeropage
)";
  const scenario::Scenario sc = scenario::parse_scenario(text, "t.scenario");
  mm::Config zero = *mm::config_preset("v6.18");
  zero.CONFIG_MEM_SOFT_DIRTY = false;  // a build option: judged per expectation
  mm::Config nozero = zero;
  nozero.mm_forbids_zeropage = true;
  CHECK(live::matching_config(sc, zero) == "v6.18");
  CHECK(live::matching_config(sc, nozero) == "v6.18+mm_forbids_zeropage");
  nozero.thp_use_zero_page = false;  // a behaviour knob no config of the file has
  CHECK(live::matching_config(sc, nozero).empty());
  nozero.thp_use_zero_page = true;

  const live::Plan pz = live::build_plan(sc, zero), pn = live::build_plan(sc, nozero);
  CHECK(pz.matched_config == "v6.18");
  CHECK(pn.matched_config == "v6.18+mm_forbids_zeropage");
  // What the kernel may show after the read: the zero page, or (with
  // mm_forbids_zeropage) the issue's 0x81000000001843d2 modulo the PFN.
  const auto& oz = find_obs(pz, "A: pagemap p[0] after read");
  const auto& on = find_obs(pn, "A: pagemap p[0] after read");
  CHECK(oz.allowed == std::set<uint64_t>{mm::enc::PM_PRESENT});
  CHECK(on.allowed == std::set<uint64_t>{live::comparable(live::ObsKind::Pagemap, 0x81000000001843d2ull)});
  // The expectation of the other config is reported, not checked, in both.
  const std::string cz = live::emit_c(pz), cn = live::emit_c(pn);
  CHECK(cz.find("written for v6.18+mm_forbids_zeropage; the kernel is v6.18") != std::string::npos);
  CHECK(cn.find("written for v6.18; the kernel is v6.18+mm_forbids_zeropage") != std::string::npos);
  CHECK(pz.tests.size() == 2);
  CHECK(pn.tests.size() == 2);
}

TEST_CASE("live: a profile that is none of the file's configs: observations compared, expectations not applicable") {
  const scenario::Scenario sc = scenario::parse_scenario(PAGEOUT, "t.scenario");
  mm::Config nozero = *mm::config_preset("v6.18");
  nozero.mm_forbids_zeropage = true;
  const live::Plan p = live::build_plan(sc, nozero);
  CHECK(p.matched_config.empty());
  CHECK_FALSE(p.observations.empty());
  CHECK(live::emit_c(p).find("the kernel's profile is none of the file's configs (v6.18)") != std::string::npos);
}

TEST_CASE("live: same page as before, from folio identity on a deterministic path") {
  const char* text = R"(scenario "t"
config v6.18
live
process A
A: p = mmap 1 private
A: write p[0] 1
A: fork B
B: read p[0]
A: write p[0] 2
B: write p[0] 3
)";
  const live::Plan p = plan_of(text);
  CHECK(find_obs(p, "A: p[0] same page as after line 6").allowed == std::set<uint64_t>{0});  // copied
  CHECK(find_obs(p, "B: p[0] same page as after line 8").allowed == std::set<uint64_t>{1});  // reused
  const auto& o = find_obs(p, "B: p[0] same page as after line 8");
  REQUIRE(o.parts.size() == 2);
  live::ProgramOutput out;
  out.obs[o.parts[0]] = 0x8000000000001234ull;
  out.obs[o.parts[1]] = 0x8100000000001234ull;
  for (const auto& v : live::compare(p, out))
    if (v.obs == &o) CHECK(v.agree);
  out.obs[o.parts[1]] = 0x8100000000005678ull;  // another PFN: the kernel copied
  for (const auto& v : live::compare(p, out))
    if (v.obs == &o) CHECK_FALSE(v.agree);
  CHECK(live::same_frame(0x8000000000001234ull, 0x4000000000001234ull) == 0);  // a swap entry is no page
}

TEST_CASE("live: no same-page observation once the model's run branches (pageout, writeback)") {
  const live::Plan p = plan_of(PAGEOUT);
  for (const auto& o : p.observations) CHECK(o.kind != live::ObsKind::SameFrame);
}
