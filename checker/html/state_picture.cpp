#include "checker/html/state_picture.h"

#include <fmt/format.h>

#include <map>

#include "model/mm.h"

namespace mmc::html {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

const char* proc_state(uint8_t a) {
  return a == mm::PROC_ALIVE ? "running" : a == mm::PROC_EXITED ? "exited" : "unused";
}

const char* vma_kind(mm::VmaKind k) {
  switch (k) {
    case mm::VmaKind::None: return "none";
    case mm::VmaKind::PrivateAnon: return "private anon";
    case mm::VmaKind::SharedAnon: return "shared anon";
    case mm::VmaKind::MemfdShared: return "memfd shared";
    case mm::VmaKind::MemfdPrivate: return "memfd private";
  }
  return "?";
}

std::string vma_text(const mm::Vma& v) {
  std::string s = fmt::format("{} p[{}..{}]", vma_kind(v.kind), v.start, v.start + v.npages - 1);
  if (v.flags & mm::VM_WRITE) s += " VM_WRITE";
  if (v.flags & mm::VM_SOFTDIRTY) s += " VM_SOFTDIRTY";
  if (v.flags & mm::VM_UFFD_WP) s += " VM_UFFD_WP";
  if (v.flags & mm::VM_HUGEPAGE) s += " VM_HUGEPAGE";
  if (v.flags & mm::VMA_ANON_VMA) s += " anon_vma";
  if (v.inode != mm::NONE) s += fmt::format(" inode{}+{}", v.inode, v.pgoff);
  return s;
}

std::string swap_name(int type, int slot, const mm::DisplayNames& n) {
  return fmt::format("{}:{}", n.device(type), mm::slot_to_offset(static_cast<uint8_t>(slot)));
}

std::string ghost_text(uint8_t g) {
  std::string s;
  if (g & mm::GHOST_WP) s += " wp";
  if (g & mm::GHOST_WRITTEN) s += " written";
  if (g & mm::GHOST_COWED) s += " cowed";
  if (g & mm::GHOST_PIN_DETACHED) s += " pin-detached";
  return s.empty() ? "0" : s.substr(1);
}

// The folio's flags, short, as the picture shows them.
std::vector<std::string> folio_lines(const mm::State& s, int f, const mm::DisplayNames& n) {
  const mm::Folio& fo = s.folio[f];
  std::string flags = fo.test(mm::PG_anon) ? "anon" : "shmem";
  if (fo.test(mm::PG_large)) flags += " large";
  if (fo.test(mm::PG_uptodate)) flags += " uptodate";
  if (fo.test(mm::PG_dirty)) flags += " dirty";
  std::vector<std::string> out = {flags};
  std::string io;
  if (fo.test(mm::PG_writeback)) io += " writeback";
  if (fo.test(mm::PG_swapcache)) io += " swapcache(" + swap_name(fo.swap_type, fo.swap_slot, n) + ")";
  if (fo.test(mm::FOLIO_LRU_BATCHED)) io += " lru_add_batch";
  if (!io.empty()) out.push_back(io.substr(1));
  std::string c = fmt::format("content {}", fo.content[0]);
  if (fo.test(mm::PG_large)) c += fmt::format(",{}", fo.content[1]);
  if (fo.anon_exclusive) c += fmt::format("  anon_exclusive {:#x}", fo.anon_exclusive);
  out.push_back(c);
  out.push_back(fmt::format("mapcount {}  refcount {}", mm::folio_mapcount(s, f), mm::folio_ref_count(s, f)));
  return out;
}

std::string slot_text(const mm::SwapSlot& sl) {
  if (!sl.count && !sl.has_cache) return "free";
  return fmt::format("count {}{}  data {}", sl.count, sl.has_cache ? " +cache" : "", sl.content);
}

std::string pc_text(const mm::PcEntry& e, const mm::DisplayNames& n) {
  switch (e.kind) {
    case mm::PcKind::Empty: return "empty";
    case mm::PcKind::Folio: return e.b ? fmt::format("F{}.{}", e.a, e.b) : fmt::format("F{}", e.a);
    case mm::PcKind::Swap: return "swap " + swap_name(e.a, e.b, n);
  }
  return "?";
}

bool page_shown(const mm::Process& p, int pg) {
  if (p.pte[pg].kind != mm::PteKind::None || (p.pinned & (1u << pg))) return true;
  for (const mm::Vma& v : p.vma)
    if (v.kind != mm::VmaKind::None && pg >= v.start && pg < v.start + v.npages) return true;
  return false;
}

}  // namespace

std::vector<StateRow> state_rows(const mm::State& s, const mm::DisplayNames& n) {
  std::vector<StateRow> out;
  for (int pi = 0; pi < mm::MAX_PROCS; pi++) {
    const mm::Process& p = s.proc[pi];
    if (p.alive == mm::PROC_UNUSED) continue;
    const std::string who = n.proc(pi);
    std::string st = proc_state(p.alive);
    if (p.parent != mm::NONE) st += " (child of " + n.proc(p.parent) + ")";
    out.push_back({who, st});
    for (int v = 0; v < mm::MAX_VMAS; v++)
      if (p.vma[v].kind != mm::VmaKind::None) out.push_back({fmt::format("{}.vma[{}]", who, v), vma_text(p.vma[v])});
    for (int pg = 0; pg < mm::MAX_PAGES; pg++) {
      if (p.pte[pg].kind != mm::PteKind::None)
        out.push_back({fmt::format("{}.pte[{}]", who, pg), mm::describe_pte(p.pte[pg], n)});
      if (p.pinned & (1u << pg))
        out.push_back({fmt::format("{}.pin[{}]", who, pg), fmt::format("F{}.{}", p.pin_folio[pg], p.pin_subpage[pg])});
      if (p.expect[pg]) out.push_back({fmt::format("{}.expect[{}]", who, pg), std::to_string(p.expect[pg]), true});
      if (p.ghost[pg]) out.push_back({fmt::format("{}.ghost[{}]", who, pg), ghost_text(p.ghost[pg]), true});
    }
  }
  for (int f = 0; f < mm::MAX_FOLIOS; f++) {
    if (!s.folio[f].test(mm::FOLIO_ALLOCATED)) continue;
    std::string v;
    for (const std::string& l : folio_lines(s, f, n)) v += (v.empty() ? "" : "; ") + l;
    out.push_back({fmt::format("F{}", f), v});
  }
  for (int t = 0; t < mm::MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < mm::MAX_SLOTS; i++) {
      const mm::SwapSlot& sl = s.swap[t].slot[i];
      if (sl.count || sl.has_cache) out.push_back({"slot " + swap_name(t, i, n), slot_text(sl)});
    }
  for (int i = 0; i < mm::MAX_INODES; i++) {
    const mm::Inode& in = s.inode[i];
    if (!in.in_use) continue;
    for (int k = 0; k < in.npages; k++) {
      out.push_back({fmt::format("inode{}.pc[{}]", i, k), pc_text(in.pc[k], n)});
      if (in.expect[k]) out.push_back({fmt::format("inode{}.expect[{}]", i, k), std::to_string(in.expect[k]), true});
    }
  }
  return out;
}

namespace {

// Layout: three columns, boxes stacked top-down in each.
constexpr int ROW = 16;      // one text line
constexpr int HEAD = 20;     // a box's title line
constexpr int GAP = 12;      // between boxes
constexpr int PX = 8, PW = 300;    // processes, then page caches
constexpr int FX = 390, FW = 250;  // folios
constexpr int SX = 720, SW = 190;  // swap devices
constexpr int WIDTH = SX + SW + 8;

struct Svg {
  std::string under;  // drawn first: arrows that pass behind the folio column
  std::string body;
  void box(int x, int y, int w, int h, bool changed, const char* cls) {
    body += fmt::format("<rect class=\"{}{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/>\n", cls,
                        changed ? " changed" : "", x, y, w, h);
  }
  void row_mark(int x, int y, int w) {  // a changed line inside a box
    body += fmt::format("<rect class=\"rowchanged\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", x + 1, y, w - 2, ROW);
  }
  void text(int x, int y, const std::string& t, const char* cls = "t") {
    body += fmt::format("<text class=\"{}\" x=\"{}\" y=\"{}\">{}</text>\n", cls, x, y, escape(t));
  }
  // An arrow from (x1,y1) to (x2,y2), a curve when it has to cross a column.
  void arrow(int x1, int y1, int x2, int y2, const char* cls, bool behind = false) {
    const int dx = (x2 - x1) / 2;
    (behind ? under : body) += fmt::format("<path class=\"{}\" d=\"M{},{} C{},{} {},{} {},{}\" marker-end=\"url(#{})\"/>\n", cls, x1, y1,
                        x1 + dx, y1, x2 - dx, y2, x2 - 2, y2, cls);
  }
};

}  // namespace

std::string state_svg(const mm::State& s, const mm::State& prev, const mm::DisplayNames& n) {
  Svg g;
  std::map<int, int> folio_y;           // folio id -> y of its title line (arrow target)
  std::map<std::pair<int, int>, int> slot_y;  // (type, slot) -> y of its line
  std::string arrows;

  // Column 2: folios.
  int y = 8;
  g.text(FX, y + 10, "folios", "col");
  y += 18;
  for (int f = 0; f < mm::MAX_FOLIOS; f++) {
    const mm::Folio& fo = s.folio[f];
    if (!fo.test(mm::FOLIO_ALLOCATED)) continue;
    const std::vector<std::string> lines = folio_lines(s, f, n);
    const int h = HEAD + static_cast<int>(lines.size()) * ROW + 4;
    const bool changed = fo != prev.folio[f] || mm::folio_mapcount(s, f) != mm::folio_mapcount(prev, f) ||
                         mm::folio_ref_count(s, f) != mm::folio_ref_count(prev, f);
    g.box(FX, y, FW, h, changed, fo.test(mm::PG_anon) ? "folio" : "folio shmem");
    g.text(FX + 6, y + 14, fmt::format("F{}", f), "name");
    for (size_t i = 0; i < lines.size(); i++) g.text(FX + 6, y + HEAD + static_cast<int>(i) * ROW + 12, lines[i]);
    folio_y[f] = y + 10;
    y += h + GAP;
  }
  if (folio_y.empty()) g.text(FX, y + 12, "(none allocated)", "dim"), y += 20;
  int height = y;

  // Column 3: swap devices and their slots.
  y = 8;
  g.text(SX, y + 10, "swap", "col");
  y += 18;
  bool any_swap = false;
  for (int t = 0; t < mm::MAX_SWAP_DEVICES; t++) {
    const mm::SwapDevice& d = s.swap[t];
    if (!(d.flags & mm::SWP_USED)) continue;
    any_swap = true;
    const int h = HEAD + mm::MAX_SLOTS * ROW + 4;
    g.box(SX, y, SW, h, false, "swapdev");
    std::string title = n.device(t);
    if (d.flags & mm::SWP_STABLE_WRITES) title += "  stable_writes";
    title += (d.flags & mm::SWP_SYNCHRONOUS_IO) ? "  sync" : "  async";
    g.text(SX + 6, y + 14, title, "name");
    for (int i = 0; i < mm::MAX_SLOTS; i++) {
      const mm::SwapSlot& sl = d.slot[i];
      const int ly = y + HEAD + i * ROW;
      if (sl != prev.swap[t].slot[i]) g.row_mark(SX, ly, SW);
      g.text(SX + 6, ly + 12, fmt::format(":{} {}", mm::slot_to_offset(static_cast<uint8_t>(i)), slot_text(sl)),
             (sl.count || sl.has_cache) ? "t" : "dim");
      slot_y[{t, i}] = ly + 8;
    }
    y += h + GAP;
  }
  if (!any_swap) g.text(SX, y + 12, "(no swap device)", "dim"), y += 20;
  height = std::max(height, y);

  // Folio -> its swap slot while in the swap cache.
  for (const auto& [f, fy] : folio_y) {
    const mm::Folio& fo = s.folio[f];
    if (fo.test(mm::PG_swapcache) && slot_y.count({fo.swap_type, fo.swap_slot}))
      g.arrow(FX + FW, fy, SX, slot_y[{fo.swap_type, fo.swap_slot}], "cache");
  }

  // An entry (PTE or page-cache entry) pointing somewhere, from the right edge of its line.
  auto link = [&](int x_right, int ly, bool to_folio, int a, int b) {
    if (to_folio) {
      if (folio_y.count(a)) g.arrow(x_right, ly, FX, folio_y[a], "map");
    } else if (slot_y.count({a, b})) {
      // A swap entry crosses the folio column: behind the folio boxes.
      g.arrow(x_right, ly, SX, slot_y[{a, b}], "swp", true);
    }
  };

  // Column 1: processes, then page caches.
  y = 8;
  g.text(PX, y + 10, "processes", "col");
  y += 18;
  for (int pi = 0; pi < mm::MAX_PROCS; pi++) {
    const mm::Process& p = s.proc[pi];
    if (p.alive == mm::PROC_UNUSED) continue;
    std::vector<int> pages;
    for (int pg = 0; pg < mm::MAX_PAGES; pg++)
      if (page_shown(p, pg)) pages.push_back(pg);
    const int h = HEAD + std::max<int>(1, static_cast<int>(pages.size())) * ROW + 4;
    const mm::Process& q = prev.proc[pi];
    g.box(PX, y, PW, h, p.alive != q.alive, p.alive == mm::PROC_ALIVE ? "proc" : "proc exited");
    std::string title = n.proc(pi) + "  " + proc_state(p.alive);
    if (p.parent != mm::NONE) title += " (child of " + n.proc(p.parent) + ")";
    g.text(PX + 6, y + 14, title, "name");
    if (pages.empty()) g.text(PX + 6, y + HEAD + 12, "(no mapping)", "dim");
    for (size_t i = 0; i < pages.size(); i++) {
      const int pg = pages[i];
      const int ly = y + HEAD + static_cast<int>(i) * ROW;
      const mm::Pte& pte = p.pte[pg];
      const bool pin = p.pinned & (1u << pg);
      if (pte != q.pte[pg] || (p.pinned ^ q.pinned) & (1u << pg)) g.row_mark(PX, ly, PW);
      std::string t = fmt::format("p[{}] {}", pg, mm::describe_pte(pte, n));
      if (pin) t += fmt::format(" pin F{}", p.pin_folio[pg]);
      g.text(PX + 6, ly + 12, t, pte.kind == mm::PteKind::None ? "dim" : "t");
      if (pte.kind == mm::PteKind::Present && pte.a != mm::NONE) link(PX + PW, ly + 8, true, pte.a, 0);
      if (pte.kind == mm::PteKind::Swap) link(PX + PW, ly + 8, false, pte.a, pte.b);
    }
    y += h + GAP;
  }
  for (int i = 0; i < mm::MAX_INODES; i++) {
    const mm::Inode& in = s.inode[i];
    if (!in.in_use) continue;
    const int h = HEAD + std::max<int>(1, in.npages) * ROW + 4;
    g.box(PX, y, PW, h, false, "inode");
    g.text(PX + 6, y + 14, fmt::format("inode{}  shmem page cache", i), "name");
    for (int k = 0; k < in.npages; k++) {
      const int ly = y + HEAD + k * ROW;
      const mm::PcEntry& e = in.pc[k];
      if (e != prev.inode[i].pc[k]) g.row_mark(PX, ly, PW);
      g.text(PX + 6, ly + 12, fmt::format("pc[{}] {}", k, pc_text(e, n)), e.kind == mm::PcKind::Empty ? "dim" : "t");
      if (e.kind == mm::PcKind::Folio) link(PX + PW, ly + 8, true, e.a, 0);
      if (e.kind == mm::PcKind::Swap) link(PX + PW, ly + 8, false, e.a, e.b);
    }
    y += h + GAP;
  }
  height = std::max(height, y);

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"state\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n",
      WIDTH, height);
  return out + g.under + g.body + "</svg>\n";
}

std::string svg_defs() {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\" style=\"position:absolute\"><defs>";
  for (const char* id : {"map", "swp", "cache"})
    out += fmt::format(
        "<marker id=\"{0}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
        "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"head-{0}\"/></marker>",
        id);
  return out + "</defs></svg>\n";
}

}  // namespace mmc::html
