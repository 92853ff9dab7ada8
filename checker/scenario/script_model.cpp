#include "checker/scenario/script_model.h"

#include "model/mm.h"

namespace mmc::scenario {

int folio_behind(const mm::State& s, int proc, int page) {
  const mm::Process& p = s.proc[proc];
  const mm::Pte& pte = p.pte[page];
  if (pte.kind == mm::PteKind::Present) return pte.a == mm::NONE ? -1 : pte.a;
  if (pte.kind == mm::PteKind::Migration) return pte.a;
  if (pte.kind == mm::PteKind::Swap) return mm::swap_cache_get_folio(s, pte.a, pte.b);
  const mm::Vma* v = mm::find_vma(p, page);
  if (!v || !mm::vma_is_shmem(*v) || v->inode == mm::NONE) return -1;
  const mm::PcEntry& e = s.inode[v->inode].pc[mm::vma_file_index(*v, page)];
  if (e.kind == mm::PcKind::Folio) return e.a;
  if (e.kind == mm::PcKind::Swap) return mm::swap_cache_get_folio(s, e.a, e.b);
  return -1;
}

mm::VmaKind vma_kind_of(MapKind k) {
  switch (k) {
    case MapKind::Private: return mm::VmaKind::PrivateAnon;
    case MapKind::Shared: return mm::VmaKind::SharedAnon;
    case MapKind::MemfdShared: return mm::VmaKind::MemfdShared;
    case MapKind::MemfdPrivate: return mm::VmaKind::MemfdPrivate;
  }
  return mm::VmaKind::PrivateAnon;
}

uint8_t vma_flags_of(const Step& st) {
  uint8_t flags = 0;
  if (st.thp) flags |= mm::VM_HUGEPAGE;
  if (st.uffd_wp) flags |= mm::VM_UFFD_WP;
  return flags;
}

int free_proc_slot(const mm::State& s) {
  for (int i = 0; i < mm::MAX_PROCS; i++)
    if (s.proc[i].alive == mm::PROC_UNUSED) return i;
  return -1;
}

mm::EventKind resize_event_kind(const Step& st, int npages) {
  if (st.npages < npages) return mm::EventKind::MremapShrink;
  if (st.npages > npages) return st.value ? mm::EventKind::MremapExpandMaymove : mm::EventKind::MremapExpand;
  return mm::EventKind::Count_;
}

mm::EventKind process_event_kind(const Step& st) {
  switch (st.kind) {
    case StepKind::Write: return mm::EventKind::WriteFault;
    case StepKind::Read: return mm::EventKind::ReadFault;
    case StepKind::Madvise: return st.event;
    case StepKind::Munmap: return mm::EventKind::Munmap;
    case StepKind::Exit: return mm::EventKind::Exit;
    case StepKind::Pin: return mm::EventKind::PinRO;
    case StepKind::Unpin: return mm::EventKind::Unpin;
    case StepKind::UffdWp: return st.on ? mm::EventKind::UffdWpProtect : mm::EventKind::UffdWpUnprotect;
    case StepKind::ClearRefs: return mm::EventKind::ClearRefs;
    case StepKind::Split: return mm::EventKind::SplitPmd;
    case StepKind::Fork: return mm::EventKind::Fork;
    case StepKind::Syscall: return st.event;
    case StepKind::Mmap:
    case StepKind::Kernel:
    case StepKind::Fallocate: break;
  }
  return mm::EventKind::ReadFault;
}

AppliedStep apply_to_each(const StateSet& cur, const std::function<mm::Outcome(mm::State&)>& fn) {
  AppliedStep r;
  for (const mm::State& s0 : cur.states()) {
    mm::State s = s0;
    mm::Outcome o = fn(s);
    r.seen.insert(o.status);
    switch (o.status) {
      case mm::Status::OutOfCapacity:
        r.out_of_capacity = o;
        return r;
      case mm::Status::Disabled:
      case mm::Status::Sigsegv:
        r.impossible++;
        if (r.why.empty()) r.why = o.reason;
        r.next.insert(s0);
        break;
      case mm::Status::Done:
      case mm::Status::WpFault:
        r.next.insert(s);
        break;
    }
  }
  return r;
}

BackgroundClosure close_under_background(StateSet& set, const mm::Config& cfg, const BackgroundOptions& opt) {
  std::vector<mm::State> work = set.states();
  for (size_t i = 0; i < work.size(); i++) {
    for (mm::EventKind k : opt.kinds) {
      for (int f = 0; f < mm::MAX_FOLIOS; f++) {
        mm::State s = work[i];
        mm::Outcome o = mm::apply(s, mm::Event{k, 0, 0, static_cast<uint8_t>(f)}, cfg);
        // A background event the model cannot carry out for lack of room
        // would silently drop outcomes.
        if (o.status == mm::Status::OutOfCapacity && opt.stop_on_capacity)
          return {BackgroundClosure::OutOfCapacity, k, o.reason};
        if (o.status != mm::Status::Done) continue;
        if (!set.insert(s)) continue;
        if (opt.on_new_state) opt.on_new_state(s);
        if (opt.on_new_edge) opt.on_new_edge(work[i], mm::Event{k, 0, 0, static_cast<uint8_t>(f)}, s);
        work.push_back(s);
        if (set.size() > opt.max_states) return {BackgroundClosure::TooManyStates, k, ""};
      }
    }
  }
  return {};
}

}  // namespace mmc::scenario
