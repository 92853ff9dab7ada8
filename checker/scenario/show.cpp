// Canonical form of a scenario (`mmcheck show`), and the names the language uses.
#include <fmt/format.h>

#include "checker/scenario/parser.h"

namespace mmc::scenario {

std::string ConfigSpec::display_name() const {
  std::string n = preset;
  for (const auto& [k, v] : knobs) n += fmt::format("{}{}", v ? "+" : "-", k);
  return n;
}

const char* quant_name(Quant q) {
  switch (q) {
    case Quant::Always: return "always";
    case Quant::Sometimes: return "sometimes";
    case Quant::Never: return "never";
  }
  return "?";
}

const char* map_kind_name(MapKind k) {
  switch (k) {
    case MapKind::Private: return "private";
    case MapKind::Shared: return "shared";
    case MapKind::MemfdShared: return "memfd-shared";
    case MapKind::MemfdPrivate: return "memfd-private";
  }
  return "?";
}

namespace {
struct AdviceName {
  mm::EventKind kind;
  const char* name;
};
constexpr AdviceName kAdvice[] = {
    {mm::EventKind::MadvPageout, "MADV_PAGEOUT"},
    {mm::EventKind::MadvDontneed, "MADV_DONTNEED"},
    {mm::EventKind::MadvRemove, "MADV_REMOVE"},
    {mm::EventKind::MadvDontfork, "MADV_DONTFORK"},
    {mm::EventKind::MadvDofork, "MADV_DOFORK"},
    {mm::EventKind::MadvWipeonfork, "MADV_WIPEONFORK"},
    {mm::EventKind::MadvKeeponfork, "MADV_KEEPONFORK"},
    {mm::EventKind::MadvFree, "MADV_FREE"},
    {mm::EventKind::MadvCold, "MADV_COLD"},
    {mm::EventKind::MadvPopulateRead, "MADV_POPULATE_READ"},
    {mm::EventKind::MadvPopulateWrite, "MADV_POPULATE_WRITE"},
    {mm::EventKind::MadvGuardInstall, "MADV_GUARD_INSTALL"},
    {mm::EventKind::MadvGuardRemove, "MADV_GUARD_REMOVE"},
    {mm::EventKind::MadvCollapse, "MADV_COLLAPSE"},
};
}  // namespace

const char* madvise_name(mm::EventKind k) {
  for (const AdviceName& a : kAdvice)
    if (a.kind == k) return a.name;
  return "?";
}

bool madvise_from_name(std::string_view name, mm::EventKind& out) {
  for (const AdviceName& a : kAdvice)
    if (name == a.name) {
      out = a.kind;
      return true;
    }
  return false;
}

int access_signal_from_name(std::string_view name) {
  if (name == "ok") return 0;
  if (name == "SIGBUS") return 7;
  if (name == "SIGSEGV") return 11;
  return -1;
}

const char* access_signal_name(uint64_t sig) {
  switch (sig) {
    case 0: return "ok";
    case 7: return "SIGBUS";
    case 11: return "SIGSEGV";
  }
  return "?";
}

namespace {

std::string page_text(const PageRef& p) { return fmt::format("{}[{}]", p.map, p.index); }

std::string fields_text(const std::vector<FieldTest>& fs) {
  std::string s;
  for (const auto& f : fs) {
    std::string name = f.field.rfind("frame@", 0) == 0 ? "frame" : f.field;
    s += fmt::format(" {}={}", name, f.text);
  }
  return s;
}

std::string step_text(const Step& st) {
  std::string p = st.proc + ": ";
  switch (st.kind) {
    case StepKind::Mmap: {
      std::string s = p + st.name + " = mmap ";
      if (!st.file.empty())
        s += fmt::format("{} {} {}", st.file, st.npages, st.map_kind == MapKind::MemfdShared ? "shared" : "private");
      else
        s += fmt::format("{} {}", st.npages, map_kind_name(st.map_kind));
      if (st.offset) s += fmt::format(" offset {}", st.offset);
      if (st.thp) s += " thp";
      if (st.uffd_features & mm::VM_UFFD_WP_ASYNC) s += " uffd-wp-async";
      else if (st.uffd_features & mm::VM_UFFD_WP_UNPOPULATED) s += " uffd-wp-unpopulated";
      if (st.uffd_features & mm::VM_UFFD_EVENT_FORK) s += " uffd-event-fork";
      if (st.uffd_wp && !st.uffd_features) s += " uffd-wp";
      return s;
    }
    case StepKind::Write:
      return st.value ? fmt::format("{}write {} {}", p, page_text(st.page), st.value)
                      : fmt::format("{}write {}", p, page_text(st.page));
    case StepKind::Read: return p + "read " + page_text(st.page);
    case StepKind::Madvise: return fmt::format("{}madvise {} {}", p, page_text(st.page), madvise_name(st.event));
    case StepKind::Fork: return p + "fork " + st.name;
    case StepKind::Munmap: return p + "munmap " + st.name;
    case StepKind::Exit: return p + "exit";
    case StepKind::Pin: return p + "pin " + page_text(st.page);
    case StepKind::Unpin: return p + "unpin " + page_text(st.page);
    case StepKind::UffdWp: return fmt::format("{}uffd-wp {} {}", p, page_text(st.page), st.on ? "on" : "off");
    case StepKind::ClearRefs: return p + "clear_refs";
    case StepKind::Split: return p + "split " + page_text(st.page);
    case StepKind::Fallocate:
      return fmt::format("{}fallocate {} {}{}", p, st.file, st.offset,
                         st.falloc_mode == 1 ? " keep_size" : st.falloc_mode == 2 ? " punch_hole" : "");
    case StepKind::Syscall:
      switch (st.event) {
        case mm::EventKind::MprotectNone: return p + "mprotect " + st.page.map + " PROT_NONE";
        case mm::EventKind::MprotectRead: return p + "mprotect " + st.page.map + " PROT_READ";
        case mm::EventKind::MprotectReadWrite: return p + "mprotect " + st.page.map + " PROT_READ PROT_WRITE";
        case mm::EventKind::Mlock: return p + "mlock " + st.page.map;
        case mm::EventKind::Munlock: return p + "munlock " + st.page.map;
        case mm::EventKind::Mremap: return p + "mremap " + st.page.map;
        case mm::EventKind::MremapDontunmap: return p + "mremap " + st.page.map + " dontunmap " + st.name;
        case mm::EventKind::MremapShrink:
        case mm::EventKind::MremapExpand:
        case mm::EventKind::MremapExpandMaymove:
          return fmt::format("{}mremap {} {}{}", p, st.page.map, st.npages, st.value ? " maymove" : "");
        case mm::EventKind::Swapoff: return p + "swapoff " + st.name;
        case mm::EventKind::PagemapScanWp:
          if (st.scan_range) return p + "pagemap_scan " + page_text(st.page) + " " + st.scan_text;
          return p + "scan " + page_text(st.page) + " wp";
        case mm::EventKind::PinRW: return p + "pin " + page_text(st.page) + " write";
        case mm::EventKind::Vmsplice: return p + "vmsplice " + page_text(st.page);
        case mm::EventKind::PipeRead: return p + "read pipe";
        case mm::EventKind::MovePages: return p + "move_pages " + page_text(st.page);
        default: return "?";
      }
    case StepKind::Kernel: {
      std::string s = fmt::format("kernel: {}", mm::event_kind_name(st.event));
      if (st.has_page) s += " " + page_text(st.page);
      if (!st.via.empty()) s += " in " + st.via;
      return s;
    }
  }
  return "?";
}

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::string Expect::observation() const {
  switch (kind) {
    case ObsKind::Pagemap:
      return whole ? fmt::format("{}: pagemap {} == {}", proc, page_text(page), value_text)
                   : fmt::format("{}: pagemap {}{}", proc, page_text(page), fields_text(fields));
    case ObsKind::Mincore: return fmt::format("{}: mincore {} == {}", proc, page_text(page), value_text);
    case ObsKind::ReadValue: return fmt::format("{}: read {} == {}", proc, page_text(page), value_text);
    case ObsKind::Pte: return fmt::format("{}: pte {}{}", proc, page_text(page), fields_text(fields));
    case ObsKind::Folio: return fmt::format("{}: folio {}{}", proc, page_text(page), fields_text(fields));
    case ObsKind::Lseek:
      return fmt::format("lseek {} {} {} == {}", file, seek_data ? "SEEK_DATA" : "SEEK_HOLE", from, value_text);
    case ObsKind::Slot: return fmt::format("slot {}:{}{}", swapdev, offset, fields_text(fields));
    case ObsKind::Swap: return fmt::format("swap {}{}", swapdev, fields_text(fields));
    case ObsKind::Folios: return fmt::format("folios == {}", value_text);
    case ObsKind::Invariant: return fmt::format("{} {}", holds ? "holds" : "violated", invariant);
    case ObsKind::SameFolio:
      return same_initial ? fmt::format("{}: folio {} same initial", proc, page_text(page))
                          : fmt::format("{}: folio {} same {}: {}", proc, page_text(page), other_proc, page_text(other_page));
    case ObsKind::Scan: return fmt::format("{}: scan {}{}", proc, page_text(page), fields_text(fields));
    case ObsKind::ScanRange: return fmt::format("{}: pagemap_scan {} {}", proc, page_text(page), scan_text);
    case ObsKind::Access:
      return fmt::format("{}: access {} {} == {}", proc, page_text(page), write_access ? "write" : "read", value_text);
    case ObsKind::PipeRead: return fmt::format("{}: read pipe == {}", proc, value_text);
  }
  return "?";
}

std::string canonical_form(const Scenario& s) {
  std::string o;
  o += "scenario " + quote(s.title) + "\n";
  if (!s.source.empty()) o += "source " + quote(s.source) + "\n";
  o += "config";
  for (const auto& c : s.configs) {
    o += " " + c.preset;
    for (const auto& [k, v] : c.knobs) o += fmt::format(" {}{}", v ? "+" : "-", k);
  }
  o += "\n";
  for (const auto& [k, v] : s.sets) o += fmt::format("set {}={}\n", k, v ? 1 : 0);
  if (s.live) o += "live\n";
  if (s.background_explicit) {
    o += "background";
    if (s.background.empty()) o += " none";
    for (auto k : s.background) o += fmt::format(" {}", mm::event_kind_name(k));
    o += "\n";
  }
  for (const auto& d : s.swaps)
    o += fmt::format("swap {} {}{}\n", d.name, d.sync ? "sync" : "async", d.stable_writes ? " stable_writes" : "");
  for (const auto& f : s.files) o += fmt::format("file {} = memfd {}\n", f.name, f.npages);
  if (!s.processes.empty()) {
    o += "process";
    for (const auto& p : s.processes) o += " " + p;
    o += "\n";
  }
  for (const auto& g : s.symmetric) {
    o += "symmetric";
    for (const auto& p : g) o += " " + p;
    o += "\n";
  }
  auto explore_text = [&]() {
    const ExploreDecl& e = *s.explore;
    std::string t = "explore";
    if (e.depth) t += fmt::format(" depth {}", e.depth);
    if (e.states) t += fmt::format(" states {}", e.states);
    t += " events";
    for (const auto& ev : e.events)
      t += ev.limit >= 0 ? fmt::format(" {}<={}", ev.name, ev.limit) : " " + ev.name;
    return t + "\n";
  };
  for (size_t i = 0; i <= s.items.size(); i++) {
    if (s.explore && s.explore->position == i) o += explore_text();
    if (i == s.items.size()) break;
    const Item& it = s.items[i];
    if (!it.is_expect()) {
      // The effect of an observed write-protecting pagemap_scan is implied
      // by its `expect` line, printed just before: printing it too would
      // make the canonical form scan twice.
      if (!it.step().scan_by_expect) o += step_text(it.step()) + "\n";
      continue;
    }
    const Expect& x = it.expect();
    o += fmt::format("expect {} {}", quant_name(x.quant), x.observation());
    if (!x.under.empty()) o += " under " + x.under;
    if (x.named) o += " as " + x.name;
    o += "\n";
  }
  for (const auto& c : s.checks) {
    o += fmt::format("check {} {}", c.invariant, c.expect_holds ? "holds" : "violated");
    if (!c.under.empty()) o += " under " + c.under;
    o += "\n";
  }
  for (const auto& c : s.conditions) {
    o += fmt::format("{} {}", cond_quant_name(c.quant), c.expr.text());
    if (!c.under.empty()) o += " under " + c.under;
    if (c.named) o += " as " + c.name;
    o += "\n";
  }
  return o;
}

std::string step_description(const Step& st) { return step_text(st); }

}  // namespace mmc::scenario
