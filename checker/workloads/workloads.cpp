#include "checker/workloads/workloads.h"

#include <stdexcept>

#include "model/setup.h"

namespace mmc::workloads {

using engine::AlphabetEntry;
using engine::Workload;
using mm::EventKind;

const std::vector<WorkloadInfo>& builtin_workloads() {
  static const std::vector<WorkloadInfo> all = {
      {"anon-fork-swap",
       "process A with a 2-page private anon mapping and an async swap device; write, read, write<=2, read, fork<=1, "
       "MADV_PAGEOUT<=2, writeback completion, swap-cache drop, MADV_DONTNEED, exit, LRU reclaim",
       true},
      {"anon-stable-writes",
       "process A with a 1-page private anon mapping and an async SWP_STABLE_WRITES swap device; write, read, "
       "MADV_PAGEOUT, writeback completion, swap-cache drop, fork<=1",
       true},
      {"anon-stable-writes-sync",
       "anon-stable-writes with a synchronous device (SWP_SYNCHRONOUS_IO, writeback completes in pageout, "
       "like zram)",
       false},
      {"anon-big",
       "benchmark: anon-fork-swap with up to 3 processes: write<=2, read<=2, fork<=2, MADV_PAGEOUT<=1, "
       "writeback, swap-cache drop, MADV_DONTNEED, exit, LRU reclaim (1.2 million states)",
       true},
  };
  return all;
}

namespace {

// One running process A with a private anon mapping of `pages` pages and
// one swap device with `swap_flags`.
mm::State one_process(int pages, uint8_t swap_flags, const mm::Config& cfg) {
  mm::State s{};
  const int a = mm::create_process(s);
  if (a < 0 || mm::swapon(s, swap_flags) < 0 ||
      mm::do_mmap(s, a, mm::VmaKind::PrivateAnon, pages, 0, -1, 0, cfg) < 0)
    throw std::logic_error("built-in workload does not fit the model's capacities");
  return s;
}

// The four invariants of anonymous memory.
const std::vector<std::string> kAnonInvariants = {"anon_exclusive", "stable_writes", "cow_isolation",
                                                  "swap_accounting"};

}  // namespace

std::optional<Workload> make_workload(std::string_view name, const mm::Config& cfg) {
  Workload w;
  w.name = std::string(name);
  w.config = cfg;
  w.invariants = kAnonInvariants;
  // A forked child is interchangeable with its parent: no transition or
  // invariant reads `parent` (only trace text does), both run the same
  // program (the whole alphabet), and fork fills the lowest free slot, so
  // which of two slots is the parent is a name only.  The slot a fork may
  // fill is included so "A running, B unused" and "A unused, B running"
  // are one class.
  if (name == "anon-fork-swap") {
    w.initial = {one_process(2, 0, cfg)};
    w.alphabet = {{EventKind::WriteFault, 2},    {EventKind::ReadFault, -1},     {EventKind::Fork, 1},
                  {EventKind::MadvPageout, 2},   {EventKind::WritebackEnd, -1}, {EventKind::SwapCacheDrop, -1},
                  {EventKind::MadvDontneed, -1}, {EventKind::Exit, -1},         {EventKind::Reclaim, -1}};
    w.interchangeable = 0b011;
    w.bounds.max_depth = 60;
  } else if (name == "anon-stable-writes" || name == "anon-stable-writes-sync") {
    const uint8_t flags = name == "anon-stable-writes"
                              ? uint8_t{mm::SWP_STABLE_WRITES}
                              : uint8_t{mm::SWP_STABLE_WRITES | mm::SWP_SYNCHRONOUS_IO | mm::SWP_SYNC_WRITEBACK};
    w.initial = {one_process(1, flags, cfg)};
    w.alphabet = {{EventKind::WriteFault, -1},   {EventKind::ReadFault, -1},     {EventKind::MadvPageout, 3},
                  {EventKind::WritebackEnd, -1}, {EventKind::SwapCacheDrop, -1}, {EventKind::Fork, 1}};
    w.interchangeable = 0b011;
    w.bounds.max_depth = 40;
  } else if (name == "anon-big") {
    w.initial = {one_process(2, 0, cfg)};
    w.alphabet = {{EventKind::WriteFault, 2},    {EventKind::ReadFault, 2},      {EventKind::Fork, 2},
                  {EventKind::MadvPageout, 1},   {EventKind::WritebackEnd, -1}, {EventKind::SwapCacheDrop, -1},
                  {EventKind::MadvDontneed, -1}, {EventKind::Exit, -1},         {EventKind::Reclaim, -1}};
    w.interchangeable = 0b111;
    w.bounds.max_depth = 80;
  } else {
    return std::nullopt;
  }
  return w;
}

}  // namespace mmc::workloads
