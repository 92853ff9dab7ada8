// The scenario language parser: one statement per line, litmus-style.
// Every error names the file, line and column and says what would be right.
#include "checker/scenario/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <new>
#include <set>
#include <unordered_map>

#include "checker/engine/memory.h"
#include "checker/engine/workload.h"
#include "checker/util/bounded_read.h"
#include "model/config.h"
#include "model/config_requires.h"
#include "model/invariants.h"
#include "model/state.h"

namespace mmc::scenario {

ScenarioError::ScenarioError(std::string f, Loc l, std::string m)
    : std::runtime_error(fmt::format("{}:{}:{}: error: {}", f, l.line, l.col, m)),
      file(std::move(f)),
      loc(l),
      message(std::move(m)) {}

namespace {

enum class Tok { Word, String, Punct };

struct Token {
  Tok kind = Tok::Word;
  std::string text;
  Loc loc;
};

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '+' ||
         c == '/';
}

bool is_identifier(const std::string& w) {
  if (w.empty() || !(std::isalpha(static_cast<unsigned char>(w[0])) || w[0] == '_')) return false;
  for (char c : w)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode
// table 3-7), 0 when it is not one.
size_t utf8_sequence_length(std::string_view s) {
  auto b = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xbf) { return b(i) >= lo && b(i) <= hi; };
  unsigned c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;  // no UTF-16 surrogates
  if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;  // <= U+10FFFF
  return 0;
}

// An upper bound on the statements in `text`: its lines that are neither
// blank nor only a comment.
size_t statement_lines(std::string_view text) {
  size_t n = 0;
  bool at_start = true;  // no word yet on this line
  for (char c : text) {
    if (c == '\n') at_start = true;
    else if (at_start && c != ' ' && c != '\t' && c != '\r') {
      n += c != '#';
      at_start = false;
    }
  }
  return n;
}

// The names the explore alphabet accepts beyond the model's event kinds.
bool is_event_alias(const std::string& w) { return w == "fault" || w == "zap"; }

class Parser {
 public:
  // `guard`: the memory bound the parse stays within (nullptr: none).
  Parser(std::string_view text, std::string file, engine::MemoryGuard* guard = nullptr)
      : text_(text), file_(std::move(file)), guard_(guard) {}

  Scenario parse() {
    sc_.file = file_;
    // Room for every statement at once: growing the vector by doubling would
    // hold the old and the new array together, three times the statements'
    // size at the peak, on a generated file of hundreds of thousands.
    sc_.items.reserve(statement_lines(text_));
    int lineno = 0;
    size_t pos = 0;
    while (pos <= text_.size()) {
      size_t nl = text_.find('\n', pos);
      std::string_view line = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      lineno++;
      tokenize(line, lineno);
      if (!toks_.empty()) statement();
      if (guard_ && !guard_->within_every(4096)) memory_stop(lineno);
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    finish(lineno);
    return std::move(sc_);
  }

 private:
  std::string_view text_;
  std::string file_;
  engine::MemoryGuard* guard_;
  Scenario sc_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  Loc eol_;  // where a missing token would have been
  // Names known so far, in file order.
  std::set<std::string> procs_;
  std::map<std::string, int> maps_;   // mapping -> pages
  std::map<std::string, int> files_;  // file -> pages
  std::set<std::string> swaps_;
  std::set<std::string> expect_names_;
  std::unordered_map<std::string, int> next_suffix_;  // derived name -> next '#N' to try
  std::map<std::string, int> symmetric_line_;         // process -> line of its symmetric group
  std::vector<std::pair<std::string, Loc>> exits_;  // processes that exited, for better errors
  bool seen_title_ = false;
  int first_step_line_ = 0;  // 0: no step yet ('background' must come before the first)

  void add_step(Step st) {
    if (!first_step_line_) first_step_line_ = st.loc.line;
    sc_.items.emplace_back(std::move(st));
  }

  [[noreturn]] void fail(Loc loc, const std::string& msg) { throw ScenarioError(file_, loc, msg); }

  // --max-memory-mb bounds the whole process, the parsed file included: a
  // generated file within the size limit can hold 640,000 statements.
  [[noreturn]] void memory_stop(int lineno) const {
    throw engine::MemoryBoundHit(fmt::format("{}:{}:1: incomplete: {}, while parsing the file ({} statements "
                                             "parsed); nothing was checked",
                                             file_, lineno, guard_->bound_text(), sc_.items.size()));
  }

  // ---- lexing ----
  // Control characters (NUL included) anywhere on a line, comments and
  // strings too: a scenario is text, and a NUL inside a title would cut it
  // short in every C string it reaches (emit-c, the kernel's comm).
  //
  // Bytes past ASCII must be UTF-8 (the JSON output can carry nothing else;
  // found by tests/fuzz/fuzz_run): no truncated or overlong sequences, no
  // surrogates, nothing past U+10FFFF.
  void reject_control_characters(std::string_view line, int lineno) {
    for (size_t c = 0; c < line.size(); c++) {
      unsigned char ch = static_cast<unsigned char>(line[c]);
      if (ch >= 0x80) {
        size_t len = utf8_sequence_length(line.substr(c));
        if (len == 0)
          fail(Loc{lineno, static_cast<int>(c) + 1},
               fmt::format("invalid UTF-8 byte 0x{:02x}; a scenario file is UTF-8 text", ch));
        c += len - 1;
        continue;
      }
      if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
        fail(Loc{lineno, static_cast<int>(c) + 1},
             fmt::format("control character 0x{:02x}; a scenario file is text: words, numbers, \"strings\", "
                         "tabs and '#' comments",
                         ch));
    }
  }

  void tokenize(std::string_view line, int lineno) {
    toks_.clear();
    i_ = 0;
    reject_control_characters(line, lineno);
    size_t c = 0;
    while (c < line.size()) {
      char ch = line[c];
      Loc loc{lineno, static_cast<int>(c) + 1};
      if (ch == '#') break;
      if (ch == ' ' || ch == '\t' || ch == '\r') {
        c++;
        continue;
      }
      if (ch == '"') {
        std::string s;
        size_t k = c + 1;
        bool closed = false;
        while (k < line.size()) {
          if (line[k] == '\\' && k + 1 < line.size()) {
            s += line[k + 1];
            k += 2;
            continue;
          }
          if (line[k] == '"') {
            closed = true;
            break;
          }
          s += line[k++];
        }
        if (!closed) fail(loc, "missing closing quote; write strings on one line as \"like this\"");
        toks_.push_back({Tok::String, s, loc});
        c = k + 1;
        continue;
      }
      if ((ch == '=' || ch == '<') && c + 1 < line.size() && line[c + 1] == '=') {
        toks_.push_back({Tok::Punct, std::string(line.substr(c, 2)), loc});
        c += 2;
        continue;
      }
      if (ch == ':' || ch == '[' || ch == ']' || ch == '=') {
        toks_.push_back({Tok::Punct, std::string(1, ch), loc});
        c++;
        continue;
      }
      // Explore conditions: /\ (and), \/ (or), ~ (not), parentheses.
      if ((ch == '/' || ch == '\\') && c + 1 < line.size() && line[c + 1] == (ch == '/' ? '\\' : '/')) {
        toks_.push_back({Tok::Punct, std::string(line.substr(c, 2)), loc});
        c += 2;
        continue;
      }
      if (ch == '~' || ch == '(' || ch == ')') {
        toks_.push_back({Tok::Punct, std::string(1, ch), loc});
        c++;
        continue;
      }
      if (word_char(ch)) {
        size_t k = c;
        while (k < line.size() && word_char(line[k]) && !(line[k] == '/' && k + 1 < line.size() && line[k + 1] == '\\')) k++;
        toks_.push_back({Tok::Word, std::string(line.substr(c, k - c)), loc});
        c = k;
        continue;
      }
      unsigned char uch = static_cast<unsigned char>(ch);
      std::string shown = uch < 0x80 ? std::string(1, ch) : fmt::format("\\x{:02x}", uch);
      fail(loc, fmt::format("unexpected character '{}'; words, numbers, \"strings\", ':', '[', ']', '=', "
                            "'==' and '<=' make up a statement, '#' starts a comment",
                            shown));
    }
    size_t end = line.find('#');
    if (end == std::string_view::npos) end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) end--;
    eol_ = Loc{lineno, static_cast<int>(end) + 1};
  }

  bool at_end() const { return i_ >= toks_.size(); }
  const Token& peek() const { return toks_[i_]; }
  Loc here() const { return at_end() ? eol_ : toks_[i_].loc; }
  bool peek_word(const char* w) const { return !at_end() && peek().kind == Tok::Word && peek().text == w; }
  bool peek_punct(const char* p) const { return !at_end() && peek().kind == Tok::Punct && peek().text == p; }
  // The token after the next one is '[': the next word starts a page reference (a mapping may be named "pipe").
  bool next_is_page() const {
    return i_ + 1 < toks_.size() && toks_[i_ + 1].kind == Tok::Punct && toks_[i_ + 1].text == "[";
  }

  std::string describe_next() const {
    if (at_end()) return "the end of the line";
    if (peek().kind == Tok::String) return fmt::format("\"{}\"", peek().text);
    return fmt::format("'{}'", peek().text);
  }

  Token word(const std::string& what) {
    if (at_end() || peek().kind != Tok::Word)
      fail(here(), fmt::format("expected {} but found {}", what, describe_next()));
    return toks_[i_++];
  }
  Token ident(const std::string& what) {
    Token t = word(what);
    if (!is_identifier(t.text))
      fail(t.loc, fmt::format("'{}' is not a valid name; {} is a letter followed by letters, digits or '_'",
                              t.text, what));
    return t;
  }
  void punct(const char* p, const std::string& hint) {
    if (!peek_punct(p)) fail(here(), fmt::format("expected '{}' but found {}; {}", p, describe_next(), hint));
    i_++;
  }
  void end(const std::string& hint) {
    if (!at_end()) fail(here(), fmt::format("unexpected {} at the end of the statement; {}", describe_next(), hint));
  }
  uint64_t number(const Token& t, const std::string& what) {
    const std::string& s = t.text;
    uint64_t v = 0;
    bool ok = !s.empty();
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    for (size_t k = hex ? 2 : 0; ok && k < s.size(); k++) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[k])));
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) ok = false;
      else {
        uint64_t base = hex ? 16 : 10;
        if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / base) ok = false;
        v = v * base + static_cast<uint64_t>(d);
      }
    }
    if (!ok) fail(t.loc, fmt::format("bad number '{}'; {} is a decimal number or 0x followed by hex digits", s, what));
    return v;
  }
  int small_number(const std::string& what, int lo, int hi) {
    Token t = word(what);
    uint64_t v = number(t, what);
    if (v < static_cast<uint64_t>(lo) || v > static_cast<uint64_t>(hi))
      fail(t.loc, fmt::format("{} {} is out of range; it must be between {} and {}", what, v, lo, hi));
    return static_cast<int>(v);
  }
  std::string string_arg(const std::string& what) {
    if (at_end() || peek().kind != Tok::String)
      fail(here(), fmt::format("expected {} in double quotes but found {}", what, describe_next()));
    return toks_[i_++].text;
  }

  // ---- names ----
  std::string process_ref() {
    Token t = word("a process name");
    check_process(t);
    return t.text;
  }
  void check_process(const Token& t) {
    if (procs_.count(t.text)) return;
    fail(t.loc, fmt::format("undefined process '{}'; declare it with 'process {}' or create it with a fork "
                            "step such as 'A: fork {}'",
                            t.text, t.text, t.text));
  }
  // After 'A: mremap p': nothing (move), 'dontunmap q' (MREMAP_DONTUNMAP:
  // the moved mapping is named q, p stays), or a new size in pages with
  // an optional 'maymove' (shrink, or expand in place / by moving).
  void mremap_args(Step& st, const Token& m) {
    if (at_end()) return;
    const std::string usage = fmt::format("write 'A: mremap {0}', 'A: mremap {0} dontunmap q', 'A: mremap {0} N' "
                                          "or 'A: mremap {0} N maymove'", m.text);
    if (peek_word("dontunmap")) {
      i_++;
      st.event = mm::EventKind::MremapDontunmap;
      Token q = ident("the moved mapping's name");
      new_name(q, "mapping");
      st.name = q.text;
      maps_[q.text] = maps_[m.text];
      return;
    }
    Token n = word("a new size in pages, or dontunmap");
    const int old = maps_[m.text];
    const uint64_t v = number(n, "a new size in pages");
    if (v < 1 || v > static_cast<uint64_t>(mm::MAX_PAGES))
      fail(n.loc, fmt::format("a new size in pages {} is out of range; it must be between 1 and {}", v, mm::MAX_PAGES));
    const int size = static_cast<int>(v);
    // The runner decides shrink or expand against the mapping's size at this
    // point (an expanding mremap may have failed with ENOMEM); the parser's
    // size is what the script asked for.
    st.npages = size;
    st.value = 0;
    if (peek_word("maymove")) {
      i_++;
      st.value = 1;  // MREMAP_MAYMOVE
    }
    st.event = size < old ? mm::EventKind::MremapShrink
               : st.value ? mm::EventKind::MremapExpandMaymove : mm::EventKind::MremapExpand;
    maps_[m.text] = size;
    if (!at_end()) fail(here(), usage);
  }

  // PAGEMAP_SCAN arguments after 'pagemap_scan p[I]': pages=N, wp, check,
  // flags=0x.., inverted=C, required=C, anyof=C, return=C, max_pages=N,
  // vec=N (default 4), novec; C is all, none, 0x..., or names joined by '+'.
  mm::PmScanArg scan_args(const PageRef& at, std::string& text) {
    mm::PmScanArg a;
    a.start = at.index;
    a.npages = 1;
    a.vec_len = mm::MAX_PAGES;
    const int room = maps_[at.map] - at.index;
    while (!at_end() && !peek_punct("==")) {
      Token k = word("a PAGEMAP_SCAN argument (pages=N, wp, check, required=..., return=..., max_pages=N, vec=N, novec)");
      text += (text.empty() ? "" : " ") + k.text;
      if (k.text == "wp") { a.flags |= mm::PM_SCAN_WP_MATCHING; continue; }
      if (k.text == "check") { a.flags |= mm::PM_SCAN_CHECK_WPASYNC; continue; }
      if (k.text == "novec") { a.vec_null = true; continue; }
      punct("=", fmt::format("write {}=VALUE", k.text));
      Token v = word("a value");
      text += "=" + v.text;
      if (k.text == "pages") {
        const uint64_t n = number(v, "a number of pages");
        if (n > static_cast<uint64_t>(room))
          fail(v.loc, fmt::format("pages={} runs past mapping '{}' ({} page{} from {}[{}])", n, at.map, room,
                                  room == 1 ? "" : "s", at.map, at.index));
        a.npages = static_cast<int>(n);
      } else if (k.text == "flags") a.flags |= number(v, "flags");
      else if (k.text == "max_pages") a.max_pages = number(v, "max_pages");
      else if (k.text == "vec") a.vec_len = number(v, "a vector length");
      else if (k.text == "inverted") a.category_inverted = scan_categories(v);
      else if (k.text == "required") a.category_mask = scan_categories(v);
      else if (k.text == "anyof") a.category_anyof_mask = scan_categories(v);
      else if (k.text == "return") a.return_mask = scan_categories(v);
      else fail(k.loc, fmt::format("unknown PAGEMAP_SCAN argument '{}'; the arguments are pages, wp, check, flags, "
                                   "inverted, required, anyof, return, max_pages, vec and novec", k.text));
    }
    return a;
  }
  uint64_t scan_categories(const Token& v) {
    if (v.text == "all") return mm::PM_SCAN_CATEGORIES;
    if (v.text == "none") return 0;
    if (v.text.rfind("0x", 0) == 0) return number(v, "a category mask");
    static const std::map<std::string, uint64_t> names = {
        {"wpallowed", mm::PAGE_IS_WPALLOWED}, {"written", mm::PAGE_IS_WRITTEN}, {"file", mm::PAGE_IS_FILE},
        {"present", mm::PAGE_IS_PRESENT},     {"swapped", mm::PAGE_IS_SWAPPED}, {"pfnzero", mm::PAGE_IS_PFNZERO},
        {"huge", mm::PAGE_IS_HUGE},           {"soft_dirty", mm::PAGE_IS_SOFT_DIRTY}, {"guard", mm::PAGE_IS_GUARD}};
    uint64_t m = 0;
    size_t from = 0;
    while (from <= v.text.size()) {
      const size_t plus = v.text.find('+', from);
      const std::string n = v.text.substr(from, plus == std::string::npos ? std::string::npos : plus - from);
      auto it = names.find(n);
      if (it == names.end())
        fail(v.loc, fmt::format("unknown page category '{}'; write all, none, 0x..., or names joined by '+' "
                                "(wpallowed written file present swapped pfnzero huge soft_dirty guard)", n));
      m |= it->second;
      if (plus == std::string::npos) break;
      from = plus + 1;
    }
    return m;
  }
  // '== RET [walk_end=K] [regions A-B/cats ...]': RET is a count, EINVAL or
  // EPERM; K and the region bounds are page indices in the mapping.
  void scan_result(Expect& x) {
    punct("==", "write 'A: pagemap_scan p[0] pages=N ... == RESULT'");
    Token r = word("the ioctl's result: a number of regions, EINVAL or EPERM");
    mm::PmScanResult want;
    if (r.text == "EINVAL") want.ret = -EINVAL;
    else if (r.text == "EPERM") want.ret = -EPERM;
    else want.ret = static_cast<long>(number(r, "a number of regions"));
    if (want.ret > 4) fail(r.loc, "at most 4 regions fit the model's pages");
    x.scan_text += " == " + r.text;
    x.scan_mask = 0x1f;
    const int base = x.scan_arg.start;
    const int npages = maps_[x.page.map];
    want.walk_end = base;
    auto more = [&] { return !at_end() && !peek_word("under") && !peek_word("as"); };
    while (more()) {
      Token k = word("walk_end=K or regions");
      if (k.text == "walk_end") {
        punct("=", "write walk_end=K (a page index in the mapping)");
        Token v = word("a page index");
        const uint64_t e = number(v, "a page index");
        if (e > static_cast<uint64_t>(npages) || static_cast<int>(e) < base)
          fail(v.loc, fmt::format("walk_end={} is outside {}[{}]..{}[{}]", e, x.page.map, base, x.page.map, npages));
        want.walk_end = static_cast<int>(e);
        x.scan_mask |= uint64_t{7} << 5;
        x.scan_text += " walk_end=" + v.text;
      } else if (k.text == "regions") {
        x.scan_mask |= ~uint64_t{0} << 8;
        x.scan_text += " regions";
        while (more()) {
          Token g = word("a region A-B/categories (pages [A, B) of the mapping)");
          const size_t dash = g.text.find('-'), slash = g.text.find('/');
          if (dash == std::string::npos || slash == std::string::npos || slash < dash)
            fail(g.loc, fmt::format("bad region '{}'; write A-B/categories, e.g. 0-2/written", g.text));
          Token a{Tok::Word, g.text.substr(0, dash), g.loc}, b{Tok::Word, g.text.substr(dash + 1, slash - dash - 1), g.loc},
              c{Tok::Word, g.text.substr(slash + 1), g.loc};
          const uint64_t s = number(a, "a region start"), e = number(b, "a region end");
          if (s < static_cast<uint64_t>(base) || e <= s || e > static_cast<uint64_t>(npages))
            fail(g.loc, fmt::format("region '{}' is not a non-empty range inside the scan", g.text));
          want.regions.push_back(mm::PageRegion{static_cast<int>(s), static_cast<int>(e), static_cast<uint32_t>(scan_categories(c))});
          x.scan_text += " " + g.text;
        }
        if (want.regions.size() > 4) fail(r.loc, "at most 4 regions fit the model's pages");
      } else {
        fail(k.loc, fmt::format("expected walk_end=K or regions but found '{}'", k.text));
      }
    }
    x.scan_want = mm::pack_pm_scan_result(want, base) & x.scan_mask;
  }

  PageRef page_ref() {
    Token t = word("a page such as p[0]");
    if (!maps_.count(t.text)) {
      if (files_.count(t.text))
        fail(t.loc, fmt::format("'{}' is a file, not a mapping; map it first, e.g. 'A: m = mmap {} shared', "
                                "then name m[0]",
                                t.text, t.text));
      fail(t.loc, fmt::format("undefined mapping '{}'; create it first with a step such as 'A: {} = mmap 1 private'",
                              t.text, t.text));
    }
    if (!peek_punct("[")) fail(here(), fmt::format("expected '[' after mapping '{}'; a page is written {}[0]", t.text, t.text));
    i_++;
    Token n = word("a page index");
    uint64_t idx = number(n, "a page index");
    int npages = maps_[t.text];
    if (idx >= static_cast<uint64_t>(npages))
      fail(n.loc, fmt::format("page index {} is out of range; mapping '{}' has {} page{} ({}[0]..{}[{}])", idx, t.text,
                              npages, npages == 1 ? "" : "s", t.text, t.text, npages - 1));
    punct("]", fmt::format("a page is written {}[{}]", t.text, idx));
    return PageRef{t.text, static_cast<int>(idx), t.loc};
  }
  void new_name(const Token& t, const char* what) {
    if (procs_.count(t.text) || maps_.count(t.text) || files_.count(t.text) || swaps_.count(t.text))
      fail(t.loc, fmt::format("'{}' is already defined; give this {} a new name", t.text, what));
  }
  std::string swap_ref() {
    Token t = word("a swap device name");
    if (!swaps_.count(t.text))
      fail(t.loc, fmt::format("undefined swap device '{}'; declare it with 'swap {} async' (or sync)", t.text, t.text));
    return t.text;
  }
  std::string file_ref() {
    Token t = word("a file name");
    if (!files_.count(t.text))
      fail(t.loc, fmt::format("undefined file '{}'; declare it with 'file {} = memfd 1'", t.text, t.text));
    return t.text;
  }
  void knob_name(const Token& t, const std::string& name) {
    mm::Config dummy;
    if (!mm::config_set_knob(dummy, name, true)) {
      std::string all;
      for (const auto& k : mm::config_knobs()) all += fmt::format("{}{}", all.empty() ? "" : ", ", k.name);
      fail(t.loc, fmt::format("unknown config knob '{}'; knobs are {}", name, all));
    }
  }

  // ---- statements ----
  void statement() {
    const Token& first = peek();
    if (first.kind == Tok::Punct && first.text == "~") return condition_line(first);
    if (first.kind != Tok::Word)
      fail(first.loc, fmt::format("a statement cannot start with {}; it starts with a keyword such as 'scenario', "
                                  "'process' or 'expect', or a process name as in 'A: write p[0] 1'",
                                  describe_next()));
    const std::string& w = first.text;
    if (i_ + 1 < toks_.size() && toks_[i_ + 1].kind == Tok::Punct && toks_[i_ + 1].text == ":") {
      if (w == "kernel") return kernel_step();
      if (w == "expect") fail(first.loc, "'expect' is followed by an observation, as in 'expect A: read p[0] == 1'");
      Token t = toks_[i_];
      check_process(t);
      i_ += 2;
      return process_step(t);
    }
    i_++;
    if (w == "scenario") {
      if (seen_title_) fail(first.loc, "a second 'scenario' line; a file holds one scenario");
      sc_.title_loc = first.loc;
      sc_.title = string_arg("the scenario's title");
      seen_title_ = true;
      return end("the title is one quoted string");
    }
    if (w == "source") {
      sc_.source = string_arg("where the case comes from");
      return end("the source is one quoted string");
    }
    if (w == "config") return config_line(first);
    if (w == "set") return set_line();
    if (w == "live") {
      sc_.live = true;
      return end("'live' takes nothing");
    }
    if (w == "background") return background_line();
    if (w == "swap") return swap_line();
    if (w == "process") return process_line();
    if (w == "symmetric") return symmetric_line();
    if (w == "file") return file_line();
    if (w == "expect") return expect_line(first);
    if (w == "explore") return explore_line(first);
    if (w == "check") return check_line(first);
    if (w == "exists" || w == "forall") return condition_line(first);
    fail(first.loc, fmt::format("unknown statement '{}'; a line is one of scenario, source, config, set, live, "
                                "background, swap, process, symmetric, file, expect, explore, check, "
                                "'kernel: EVENT', or a step 'A: write p[0] 1'",
                                w));
  }

  void config_line(const Token& kw) {
    if (at_end()) fail(here(), "'config' needs at least one preset, e.g. 'config v6.18'");
    while (!at_end()) {
      Token t = word("a config preset or +KNOB / -KNOB");
      if (t.text[0] == '+' || t.text[0] == '-') {
        if (sc_.configs.empty() || sc_.configs.back().loc.line != kw.loc.line)
          fail(t.loc, fmt::format("knob '{}' comes before any preset on this line; write it after one, as in "
                                  "'config v6.18 {}'",
                                  t.text, t.text));
        std::string name = t.text.substr(1);
        knob_name(t, name);
        sc_.configs.back().knobs.emplace_back(name, t.text[0] == '+');
        continue;
      }
      if (!mm::config_preset(t.text)) {
        std::string all;
        for (const auto& p : mm::config_presets()) all += fmt::format("{}{}", all.empty() ? "" : ", ", p.name);
        // `--config v6.18+KNOB` is one word; in a file the knobs are words of their own.
        for (size_t i = 1; i < t.text.size(); i++)
          if ((t.text[i] == '+' || t.text[i] == '-') && mm::config_preset(t.text.substr(0, i)))
            fail(t.loc, fmt::format("unknown config preset '{}'; in a file a knob is a word of its own: write "
                                    "'config {} {}' ('--config {}' is the command-line spelling)",
                                    t.text, t.text.substr(0, i), t.text.substr(i), t.text));
        fail(t.loc, fmt::format("unknown config preset '{}'; presets are {} (see 'mmcheck configs')", t.text, all));
      }
      sc_.configs.push_back(ConfigSpec{t.text, {}, t.loc});
    }
  }

  void set_line() {
    Token k = word("a knob name, as in 'set pagemap_show_pfn=0'");
    knob_name(k, k.text);
    punct("=", "write 'set KNOB=0' or 'set KNOB=1'");
    int v = small_number("a knob value", 0, 1);
    sc_.sets.emplace_back(k.text, v == 1);
    end("write 'set KNOB=0' or 'set KNOB=1'");
  }

  void background_line() {
    // The background events apply to the whole script (`show` prints them
    // in the header): written after a step, they would read as applying
    // from there on, which they do not.
    if (first_step_line_)
      fail(toks_[i_ - 1].loc, fmt::format("'background' after the first step (line {}): it applies to the whole "
                                          "script, from the first step on; move it above line {}, with the declarations",
                                          first_step_line_, first_step_line_));
    sc_.background_explicit = true;
    sc_.background.clear();
    if (peek_word("none")) {
      i_++;
      return end("'background none' takes nothing else");
    }
    if (at_end()) fail(here(), "'background' lists kernel events (writeback swapcache_drop reclaim lru_add_drain) or 'none'");
    while (!at_end()) {
      Token t = word("a kernel event");
      mm::EventKind k{};
      if (!mm::event_kind_from_name(t.text, k) || !mm::is_kernel_event(k))
        fail(t.loc, fmt::format("'{}' is not a kernel event; background events are writeback, swapcache_drop, "
                                "reclaim, lru_add_drain, or 'none'",
                                t.text));
      sc_.background.push_back(k);
    }
  }

  void swap_line() {
    Token n = ident("a swap device name");
    new_name(n, "swap device");
    if (static_cast<int>(sc_.swaps.size()) >= mm::MAX_SWAP_DEVICES)
      fail(n.loc, fmt::format("too many swap devices; the model has {}", mm::MAX_SWAP_DEVICES));
    SwapDecl d{n.text, false, false, n.loc};
    Token m = word("async or sync");
    if (m.text == "sync") d.sync = true;
    else if (m.text != "async")
      fail(m.loc, fmt::format("unknown swap mode '{}'; write 'async' (writeback completes later) or 'sync' "
                              "(SWP_SYNCHRONOUS_IO: writeback completes at once, swap-in may skip the swap cache)",
                              m.text));
    while (!at_end()) {
      Token f = word("a swap flag");
      if (f.text == "stable_writes") d.stable_writes = true;
      else fail(f.loc, fmt::format("unknown swap flag '{}'; the flag is stable_writes (SWP_STABLE_WRITES)", f.text));
    }
    swaps_.insert(d.name);
    sc_.swaps.push_back(d);
  }

  void process_line() {
    if (at_end()) fail(here(), "'process' names at least one process, e.g. 'process A'");
    while (!at_end()) {
      Token n = ident("a process name");
      new_name(n, "process");
      add_process(n);
      sc_.processes.push_back(n.text);
    }
  }
  void add_process(const Token& n) {
    if (static_cast<int>(procs_.size()) >= mm::MAX_PROCS)
      fail(n.loc, fmt::format("too many processes; the model has {} process slots (forks included)", mm::MAX_PROCS));
    procs_.insert(n.text);
  }

  void symmetric_line() {
    std::vector<std::string> group;
    const int line = here().line;
    while (!at_end()) {
      Token t = word("a process name");
      check_process(t);
      if (std::find(group.begin(), group.end(), t.text) != group.end())
        fail(t.loc, fmt::format("'{}' is named twice in this symmetric group; name each interchangeable process once",
                                t.text));
      // One group per process: the canonical form renames within a group.
      if (auto it = symmetric_line_.find(t.text); it != symmetric_line_.end())
        fail(t.loc, fmt::format("'{}' is already in the symmetric group of line {}; a process belongs to one group",
                                t.text, it->second));
      group.push_back(t.text);
    }
    for (const auto& p : group) symmetric_line_[p] = line;
    if (group.size() < 2) fail(here(), "'symmetric' names two or more interchangeable processes, e.g. 'symmetric A B'");
    sc_.symmetric.push_back(group);
  }

  void file_line() {
    Token n = ident("a file name");
    new_name(n, "file");
    punct("=", "write 'file f = memfd 2'");
    Token k = word("memfd");
    if (k.text != "memfd") fail(k.loc, fmt::format("unknown file kind '{}'; write 'file {} = memfd NPAGES'", k.text, n.text));
    if (static_cast<int>(sc_.files.size()) >= mm::MAX_INODES)
      fail(n.loc, fmt::format("too many files; the model has {} shmem inodes (shared mappings use one each)", mm::MAX_INODES));
    int np = small_number("a number of pages", 1, mm::MAX_INODE_PAGES);
    end("write 'file f = memfd NPAGES'");
    files_[n.text] = np;
    sc_.files.push_back(FileDecl{n.text, np, n.loc});
  }

  // ---- steps ----
  void process_step(const Token& proc) {
    Step st;
    st.proc = proc.text;
    Token verb = word("a step such as write, read, madvise, fork, exit, or 'p = mmap 1 private'");
    st.loc = verb.loc;
    if (peek_punct("=")) return mmap_step(st, verb);
    const std::string& v = verb.text;
    if (v == "write") {
      st.kind = StepKind::Write;
      st.page = page_ref();
      st.has_page = true;
      if (!at_end()) st.value = small_number("a written value", 1, mm::MAX_VALUE);
      end(fmt::format("write 'A: write p[0] V' with V in 1..{}", mm::MAX_VALUE));
    } else if (v == "read" && peek_word("pipe") && !next_is_page()) {
      // A: read pipe -- read(2) of one page from the pipe (pipe_read)
      i_++;
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::PipeRead;
      end("write 'A: read pipe'");
    } else if (v == "vmsplice") {
      // A: vmsplice p[0] -- vmsplice(2) of one page into the pipe (get_user_pages_fast, FOLL_GET)
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::Vmsplice;
      st.page = page_ref();
      st.has_page = true;
      end("write 'A: vmsplice p[0]'");
    } else if (v == "read" || v == "pin" || v == "unpin" || v == "split") {
      st.kind = v == "read" ? StepKind::Read : v == "pin" ? StepKind::Pin : v == "unpin" ? StepKind::Unpin : StepKind::Split;
      st.page = page_ref();
      st.has_page = true;
      if (v == "pin" && peek_word("write")) {
        // A: pin p[0] write -- pin_user_pages(FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM)
        i_++;
        st.kind = StepKind::Syscall;
        st.event = mm::EventKind::PinRW;
      }
      end(fmt::format("write 'A: {} p[0]'{}", v, v == "pin" ? " (or 'A: pin p[0] write' for a read-write pin)" : ""));
    } else if (v == "scan") {
      // A: scan p[0] wp -- PAGEMAP_SCAN with PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::PagemapScanWp;
      st.page = page_ref();
      st.has_page = true;
      Token w = word("wp");
      if (w.text != "wp") fail(w.loc, fmt::format("expected 'wp' but found '{}'; write 'A: scan p[0] wp'", w.text));
      end("write 'A: scan p[0] wp'");
    } else if (v == "pagemap_scan") {
      // A: pagemap_scan p[0] pages=4 wp check required=written return=written -- the ioctl for its effect
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::PagemapScanWp;
      st.scan_range = true;
      st.page = page_ref();
      st.has_page = true;
      st.scan_arg = scan_args(st.page, st.scan_text);
      end("write 'A: pagemap_scan p[0] pages=N wp ...'");
    } else if (v == "move_pages") {
      // A: move_pages p[0] -- move_pages(MPOL_MF_MOVE) of the page to another NUMA node
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::MovePages;
      st.page = page_ref();
      st.has_page = true;
      end("write 'A: move_pages p[0]'");
    } else if (v == "swapoff") {
      // A: swapoff sda -- try_to_unuse, then the device is gone
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::Swapoff;
      st.name = swap_ref();
      end("write 'A: swapoff sda'");
    } else if (v == "mprotect" || v == "mlock" || v == "munlock" || v == "mremap") {
      // Whole-mapping syscalls: the model does not split VMAs.
      st.kind = StepKind::Syscall;
      Token m = word("a mapping name");
      if (!maps_.count(m.text))
        fail(m.loc, fmt::format("undefined mapping '{}'; {} names a mapping created by 'A: {} = mmap ...'", m.text, v, m.text));
      st.page = PageRef{m.text, 0, m.loc};
      st.has_page = true;
      if (v == "mremap") {
        st.event = mm::EventKind::Mremap;  // MREMAP_MAYMOVE|MREMAP_FIXED to a free range
        mremap_args(st, m);
      } else if (v == "mlock") st.event = mm::EventKind::Mlock;
      else if (v == "munlock") st.event = mm::EventKind::Munlock;
      else {
        bool read = false, write = false, none = false;
        if (at_end()) fail(here(), "mprotect needs protections: PROT_NONE, PROT_READ, or PROT_READ PROT_WRITE");
        while (!at_end()) {
          Token pr = word("PROT_NONE, PROT_READ or PROT_WRITE");
          if (pr.text == "PROT_NONE") none = true;
          else if (pr.text == "PROT_READ") read = true;
          else if (pr.text == "PROT_WRITE") write = true;
          else fail(pr.loc, fmt::format("unknown protection '{}'; write PROT_NONE, PROT_READ or PROT_READ PROT_WRITE", pr.text));
        }
        if (none && (read || write)) fail(m.loc, "PROT_NONE goes alone; write 'mprotect p PROT_NONE'");
        if (write && !read)
          fail(m.loc, "the model has no write-only mappings (x86 makes PROT_WRITE readable); write PROT_READ PROT_WRITE");
        st.event = none ? mm::EventKind::MprotectNone : write ? mm::EventKind::MprotectReadWrite : mm::EventKind::MprotectRead;
      }
      end(fmt::format("write 'A: {} p{}'", v, v == "mprotect" ? " PROT_READ" : ""));
    } else if (v == "madvise") {
      st.kind = StepKind::Madvise;
      st.page = page_ref();
      st.has_page = true;
      Token a = word("an advice such as MADV_PAGEOUT, MADV_DONTNEED or MADV_FREE");
      if (!madvise_from_name(a.text, st.event))
        fail(a.loc, fmt::format("unknown madvise advice '{}'; the model has MADV_PAGEOUT, MADV_DONTNEED, MADV_REMOVE, "
                                "MADV_FREE, MADV_COLD, MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_GUARD_INSTALL, "
                                "MADV_GUARD_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK and MADV_COLLAPSE",
                                a.text));
      end("write 'A: madvise p[0] MADV_PAGEOUT'");
    } else if (v == "fork") {
      st.kind = StepKind::Fork;
      Token c = ident("the child's name");
      new_name(c, "child process");
      add_process(c);
      st.name = c.text;
      end("write 'A: fork B'");
    } else if (v == "munmap") {
      st.kind = StepKind::Munmap;
      Token m = word("a mapping name");
      if (!maps_.count(m.text))
        fail(m.loc, fmt::format("undefined mapping '{}'; munmap names a mapping created by 'A: {} = mmap ...'", m.text, m.text));
      st.name = m.text;
      st.page = PageRef{m.text, 0, m.loc};
      end("write 'A: munmap p'");
    } else if (v == "exit") {
      st.kind = StepKind::Exit;
      end("'A: exit' takes nothing");
    } else if (v == "clear_refs") {
      st.kind = StepKind::ClearRefs;
      end("'A: clear_refs' takes nothing (it writes 4 to /proc/pid/clear_refs)");
    } else if (v == "fallocate") {
      st.kind = StepKind::Fallocate;
      st.file = file_ref();
      st.offset = small_number("a page index of the file", 0, files_[st.file] - 1);
      if (!at_end()) {
        Token m = word("keep_size or punch_hole");
        if (m.text == "keep_size") st.falloc_mode = 1;
        else if (m.text == "punch_hole") st.falloc_mode = 2;
        else fail(m.loc, fmt::format("unknown fallocate mode '{}'; write keep_size (FALLOC_FL_KEEP_SIZE), punch_hole "
                                     "(FALLOC_FL_PUNCH_HOLE) or nothing (mode 0)", m.text));
      }
      end("write 'A: fallocate f 0 [keep_size|punch_hole]'");
    } else if (v == "uffd-wp") {
      st.kind = StepKind::UffdWp;
      st.page = page_ref();
      st.has_page = true;
      Token o = word("on or off");
      if (o.text != "on" && o.text != "off") fail(o.loc, fmt::format("expected on or off but found '{}'", o.text));
      st.on = o.text == "on";
      end("write 'A: uffd-wp p[0] on'");
    } else {
      fail(verb.loc, fmt::format("unknown step '{}'; steps are write, read, madvise, mprotect, mlock, munlock, fork, munmap, exit, pin, unpin, "
                                 "uffd-wp, clear_refs, split, fallocate, vmsplice, 'read pipe', and 'p = mmap ...'",
                                 v));
    }
    add_step(std::move(st));
  }

  void mmap_step(Step& st, const Token& name) {
    if (!is_identifier(name.text))
      fail(name.loc, fmt::format("'{}' is not a valid mapping name; use a letter followed by letters, digits or '_'", name.text));
    new_name(name, "mapping");
    i_++;  // '='
    Token m = word("mmap");
    if (m.text != "mmap") fail(m.loc, fmt::format("expected 'mmap' after '{} =' but found '{}'", name.text, m.text));
    st.kind = StepKind::Mmap;
    st.name = name.text;
    if (!at_end() && peek().kind == Tok::Word && files_.count(peek().text)) {
      st.file = toks_[i_++].text;
      st.npages = files_[st.file];
      if (!at_end() && peek().kind == Tok::Word && std::isdigit(static_cast<unsigned char>(peek().text[0])))
        st.npages = small_number("a number of pages", 1, files_[st.file]);
      Token k = word("shared or private");
      if (k.text == "shared") st.map_kind = MapKind::MemfdShared;
      else if (k.text == "private") st.map_kind = MapKind::MemfdPrivate;
      else fail(k.loc, fmt::format("unknown file mapping kind '{}'; a file is mapped shared or private", k.text));
    } else {
      if (!at_end() && peek().kind == Tok::Word && is_identifier(peek().text) &&
          !std::isdigit(static_cast<unsigned char>(peek().text[0])))
        fail(peek().loc, fmt::format("undefined file '{}'; declare it with 'file {} = memfd 1', or give a number "
                                     "of pages as in 'mmap 2 private'",
                                     peek().text, peek().text));
      st.npages = small_number("a number of pages", 1, mm::MAX_PAGES);
      Token k = word("private, shared, memfd-shared or memfd-private");
      if (k.text == "private") st.map_kind = MapKind::Private;
      else if (k.text == "shared") st.map_kind = MapKind::Shared;
      else if (k.text == "memfd-shared") st.map_kind = MapKind::MemfdShared;
      else if (k.text == "memfd-private") st.map_kind = MapKind::MemfdPrivate;
      else fail(k.loc, fmt::format("unknown mapping kind '{}'; write private, shared, memfd-shared or memfd-private", k.text));
    }
    while (!at_end()) {
      Token f = word("a mapping flag");
      if (f.text == "thp") st.thp = true;
      else if (f.text == "uffd-wp") st.uffd_wp = true;
      else if (f.text == "uffd-wp-async") {
        // UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED, as pagemap_ioctl.c registers
        st.uffd_wp = true;
        st.uffd_features |= mm::VM_UFFD_WP_ASYNC | mm::VM_UFFD_WP_UNPOPULATED;
      } else if (f.text == "uffd-wp-unpopulated") {
        st.uffd_wp = true;
        st.uffd_features |= mm::VM_UFFD_WP_UNPOPULATED;
      } else if (f.text == "uffd-event-fork") {
        st.uffd_wp = true;
        st.uffd_features |= mm::VM_UFFD_EVENT_FORK;
      }
      else if (f.text == "offset" && !st.file.empty()) {
        st.offset = small_number("a page offset", 0, files_[st.file] - 1);
        if (st.offset + st.npages > files_[st.file])
          fail(f.loc, fmt::format("offset {} plus {} pages runs past the end of file '{}' ({} pages)", st.offset,
                                  st.npages, st.file, files_[st.file]));
      } else
        fail(f.loc, fmt::format("unknown mapping flag '{}'; flags are thp (MADV_HUGEPAGE), uffd-wp "
                                "(UFFDIO_REGISTER_MODE_WP), uffd-wp-async, uffd-wp-unpopulated and uffd-event-fork{}",
                                f.text, st.file.empty() ? "" : ", and 'offset N' for a file"));
    }
    maps_[st.name] = st.npages;
    add_step(std::move(st));
  }

  void kernel_step() {
    Step st;
    st.kind = StepKind::Kernel;
    i_ += 2;  // kernel :
    Token e = word("a kernel event: writeback, swapcache_drop, reclaim, lru_add_drain, migrate_unmap or migrate_move");
    st.loc = e.loc;
    mm::EventKind k{};
    if (!mm::event_kind_from_name(e.text, k) || !mm::is_kernel_event(k))
      fail(e.loc, fmt::format("unknown kernel event '{}'; kernel events are writeback (folio_end_writeback), "
                              "swapcache_drop (folio_free_swap), reclaim (shrink_folio_list), lru_add_drain, "
                              "migrate_unmap (migrate_folio_unmap) and migrate_move (migrate_folio_move)",
                              e.text));
    st.event = k;
    if (!at_end()) {
      st.page = page_ref();
      st.has_page = true;
      if (peek_word("in")) {
        i_++;
        st.via = process_ref();
      }
    } else if (k == mm::EventKind::Reclaim) {
      fail(here(), "'kernel: reclaim' needs the folio it reclaims, named by a page that maps it: 'kernel: reclaim p[0]'");
    }
    end("write 'kernel: EVENT p[0] [in A]'");
    add_step(std::move(st));
  }

  // ---- expectations ----
  void fields(Expect& x, const std::vector<std::string>& allowed, const std::string& what) {
    if (at_end()) fail(here(), fmt::format("expected field=value tests for {}, e.g. {}=1", what, allowed[0]));
    while (!at_end() && !peek_word("under") && !peek_word("as") && !peek_punct("/\\") && !peek_punct("\\/") &&
           !peek_punct(")")) {
      Token f = word("a field name");
      bool ok = false;
      for (const auto& a : allowed) ok |= a == f.text;
      if (!ok) {
        std::string all;
        for (const auto& a : allowed) all += fmt::format("{}{}", all.empty() ? "" : ", ", a);
        fail(f.loc, fmt::format("unknown {} field '{}'; fields are {}", what, f.text, all));
      }
      punct("=", fmt::format("write {}=VALUE", f.text));
      Token v = word("a value");
      FieldTest t{f.text, 0, v.text, f.loc};
      if (f.text == "frame" && peek_punct(":")) {
        // frame=sda:1 -- the pagemap swap frame of device sda, offset 1
        if (!swaps_.count(v.text))
          fail(v.loc, fmt::format("undefined swap device '{}'; write frame=DEVICE:OFFSET with a declared device", v.text));
        i_++;
        Token o = word("a swap offset");
        t.value = number(o, "a swap offset");
        t.text = v.text + ":" + o.text;
        if (t.value < 1 || t.value > static_cast<uint64_t>(mm::MAX_SLOTS))
          fail(o.loc, fmt::format("swap offset {} is out of range; the model's devices have offsets 1..{}", t.value, mm::MAX_SLOTS));
        t.field = "frame@" + v.text;  // resolved by the runner
      } else {
        t.value = number(v, "a field value");
      }
      x.fields.push_back(t);
    }
  }

  void whole_value(Expect& x, const char* what, bool allow_enxio = false) {
    punct("==", fmt::format("write '{} == VALUE'", what));
    Token v = word("a value");
    x.whole = true;
    x.value_text = v.text;
    if (allow_enxio && v.text == "ENXIO") x.value = static_cast<uint64_t>(-1);
    else x.value = number(v, "the expected value");
  }

  void expect_line(const Token& kw) {
    Expect x;
    x.loc = kw.loc;
    if (peek_word("always")) x.quant = Quant::Always, i_++;
    else if (peek_word("sometimes")) x.quant = Quant::Sometimes, i_++;
    else if (peek_word("never")) x.quant = Quant::Never, i_++;
    if (at_end()) fail(here(), "'expect' needs an observation, e.g. 'expect A: read p[0] == 1'");
    observation(x);
    if (x.kind == ObsKind::SameFolio && x.same_initial)
      fail(x.loc, "'same initial' means the folio when an exploration starts: use it in an explore condition "
                  "('exists', 'forall', '~exists'); in the script, compare with another page: 'same B: p[0]'");
    expect_tail(kw, x);
  }

  // One observation, as in an expectation or an explore condition.
  void observation(Expect& x) {
    Token t = word("an observation");
    if (peek_punct(":") && t.text != "slot") {
      check_process(t);
      x.proc = t.text;
      i_++;
      Token o = word("pagemap, mincore, read, access, scan, pte or folio");
      if (o.text == "pagemap") {
        x.kind = ObsKind::Pagemap;
        x.page = page_ref();
        if (peek_punct("==")) whole_value(x, "pagemap p[0]");
        else fields(x, {"present", "swap", "file", "exclusive", "uffd_wp", "soft_dirty", "guard", "frame", "lookups"},
                    "pagemap");
      } else if (o.text == "mincore") {
        x.kind = ObsKind::Mincore;
        x.page = page_ref();
        whole_value(x, "mincore p[0]");
      } else if (o.text == "read" && peek_word("pipe") && !next_is_page()) {
        // A: read pipe == 1 -- what the next read of the pipe returns
        i_++;
        x.kind = ObsKind::PipeRead;
        whole_value(x, "read pipe");
      } else if (o.text == "read") {
        x.kind = ObsKind::ReadValue;
        x.page = page_ref();
        whole_value(x, "read p[0]");
      } else if (o.text == "pte") {
        x.kind = ObsKind::Pte;
        x.page = page_ref();
        fields(x, {"none", "present", "swap", "marker", "write", "dirty", "soft_dirty", "uffd_wp", "swp_exclusive", "pmd",
                   "migration"},
               "pte");
      } else if (o.text == "pagemap_scan") {
        x.kind = ObsKind::ScanRange;
        x.page = page_ref();
        x.scan_arg = scan_args(x.page, x.scan_text);
        scan_result(x);
      } else if (o.text == "scan") {
        x.kind = ObsKind::Scan;
        x.page = page_ref();
        fields(x, {"wpallowed", "written", "file", "present", "swapped", "pfnzero", "huge", "soft_dirty", "guard"}, "scan");
      } else if (o.text == "access") {
        // A: access p[0] read == SIGSEGV
        x.kind = ObsKind::Access;
        x.page = page_ref();
        Token rw = word("read or write");
        if (rw.text != "read" && rw.text != "write")
          fail(rw.loc, fmt::format("expected read or write but found '{}'", rw.text));
        x.write_access = rw.text == "write";
        punct("==", "write 'A: access p[0] read == SIGSEGV'");
        Token v = word("ok, SIGSEGV or SIGBUS");
        const int sig = access_signal_from_name(v.text);
        if (sig < 0) fail(v.loc, fmt::format("unknown access result '{}'; write ok, SIGSEGV or SIGBUS", v.text));
        x.whole = true;
        x.value = static_cast<uint64_t>(sig);
        x.value_text = v.text;
      } else if (o.text == "folio") {
        x.kind = ObsKind::Folio;
        x.page = page_ref();
        if (peek_word("same")) return same_folio(x);
        fields(x, {"exists", "anon", "anon_exclusive", "swapcache", "writeback", "dirty", "uptodate", "large",
                   "mapcount", "refcount", "pinned", "content"},
               "folio");
      } else {
        fail(o.loc, fmt::format("unknown observation '{}'; a process observes pagemap, mincore, read, access, scan, pte or folio", o.text));
      }
    } else if (t.text == "lseek") {
      x.kind = ObsKind::Lseek;
      x.file = file_ref();
      Token w = word("SEEK_DATA or SEEK_HOLE");
      if (w.text != "SEEK_DATA" && w.text != "SEEK_HOLE")
        fail(w.loc, fmt::format("expected SEEK_DATA or SEEK_HOLE but found '{}'", w.text));
      x.seek_data = w.text == "SEEK_DATA";
      x.from = small_number("a page offset", 0, files_[x.file] - 1);
      whole_value(x, "lseek f SEEK_DATA 0", true);
    } else if (t.text == "slot") {
      x.kind = ObsKind::Slot;
      x.swapdev = swap_ref();
      punct(":", "a swap slot is written DEVICE:OFFSET, e.g. sda:1");
      x.offset = small_number("a swap offset", 1, mm::MAX_SLOTS);
      fields(x, {"count", "cache", "content"}, "slot");
    } else if (t.text == "swap") {
      x.kind = ObsKind::Swap;
      x.swapdev = swap_ref();
      fields(x, {"used"}, "swap");
    } else if (t.text == "folios") {
      x.kind = ObsKind::Folios;
      whole_value(x, "folios");
    } else if (t.text == "holds" || t.text == "violated") {
      x.kind = ObsKind::Invariant;
      x.holds = t.text == "holds";
      Token n = word("an invariant name");
      check_invariant(n);
      x.invariant = n.text;
    } else {
      fail(t.loc, fmt::format("unknown observation '{}'; write 'A: pagemap|mincore|read|pte|folio p[0] ...', "
                              "'lseek f SEEK_DATA 0 == 0', 'slot sda:1 count=1', 'swap sda used=0', "
                              "'folios == 0', or 'holds INVARIANT'",
                              t.text));
    }
  }

  // `A: folio p[0] same B: q[0]` / `A: folio p[0] same initial`: folio
  // identity without naming a folio (the model's folio numbers, like PFNs,
  // are reused).
  void same_folio(Expect& x) {
    x.kind = ObsKind::SameFolio;
    i_++;
    if (peek_word("initial")) {
      i_++;
      x.same_initial = true;
      return;
    }
    Token q = word("a process, as in 'same B: p[0]', or 'initial'");
    check_process(q);
    x.other_proc = q.text;
    punct(":", fmt::format("write 'same {}: p[0]'", q.text));
    x.other_page = page_ref();
  }

  void expect_tail(const Token& kw, Expect& x) {
    suffixes(x.under, x.under_loc, &x.name);
    x.named = !x.name.empty();
    if (x.name.empty()) {
      x.name = derived_name(x);
      // base, base#2, base#3, ...: each base remembers the next number to
      // try, so N expectations with one derived name cost O(N), not O(N^2).
      std::string base = x.name;
      int& n = next_suffix_[base];
      if (n == 0) n = 2;
      else x.name = fmt::format("{}#{}", base, n++);
      while (expect_names_.count(x.name)) x.name = fmt::format("{}#{}", base, n++);
    } else if (expect_names_.count(x.name)) {
      fail(kw.loc, fmt::format("expectation name '{}' is used twice; names given with 'as' must be unique", x.name));
    }
    expect_names_.insert(x.name);
    end("an expectation ends with optional 'under CONFIG' and 'as NAME'");
    sc_.items.emplace_back(x);
    if (x.kind == ObsKind::ScanRange && (x.scan_arg.flags & mm::PM_SCAN_WP_MATCHING)) {
      // The observed call also write-protects: its effect is a step of its
      // own right after (the live program makes the call once, in the check).
      Step st;
      st.kind = StepKind::Syscall;
      st.event = mm::EventKind::PagemapScanWp;
      st.scan_range = true;
      st.scan_by_expect = true;
      st.loc = x.loc;
      st.proc = x.proc;
      st.page = x.page;
      st.has_page = true;
      st.scan_arg = x.scan_arg;
      st.scan_text = x.scan_text.substr(0, x.scan_text.find(" == "));
      add_step(std::move(st));
    }
  }

  // `under CONFIG` and `as NAME` after an expectation or check.
  void suffixes(std::string& under, Loc& under_loc, std::string* name) {
    while (!at_end()) {
      if (peek_word("under") && under.empty()) {
        i_++;
        Token c = word("a config name");
        under = c.text;
        under_loc = c.loc;
      } else if (name && peek_word("as") && name->empty()) {
        i_++;
        *name = ident("a name for the expectation").text;
      } else {
        return;
      }
    }
  }

  static std::string derived_name(const Expect& x) {
    std::string page = fmt::format("{}[{}]", x.page.map, x.page.index);
    std::string f;
    for (const auto& t : x.fields)
      f += fmt::format("{}{}={}", f.empty() ? "" : ",", t.field.rfind("frame@", 0) == 0 ? "frame" : t.field, t.text);
    switch (x.kind) {
      case ObsKind::Pagemap:
        return x.whole ? fmt::format("{}.pagemap({})=={}", x.proc, page, x.value_text)
                       : fmt::format("{}.pagemap({}){{{}}}", x.proc, page, f);
      case ObsKind::Mincore: return fmt::format("{}.mincore({})=={}", x.proc, page, x.value_text);
      case ObsKind::ReadValue: return fmt::format("{}.read({})=={}", x.proc, page, x.value_text);
      case ObsKind::Pte: return fmt::format("{}.pte({}){{{}}}", x.proc, page, f);
      case ObsKind::Folio: return fmt::format("{}.folio({}){{{}}}", x.proc, page, f);
      case ObsKind::Lseek:
        return fmt::format("lseek({},{},{})=={}", x.file, x.seek_data ? "SEEK_DATA" : "SEEK_HOLE", x.from, x.value_text);
      case ObsKind::Slot: return fmt::format("slot({}:{}){{{}}}", x.swapdev, x.offset, f);
      case ObsKind::Swap: return fmt::format("swap({}){{{}}}", x.swapdev, f);
      case ObsKind::Folios: return fmt::format("folios=={}", x.value_text);
      case ObsKind::Invariant: return fmt::format("{}({})", x.holds ? "holds" : "violated", x.invariant);
      case ObsKind::SameFolio:
        return x.same_initial ? fmt::format("{}.folio({})==initial", x.proc, page)
                              : fmt::format("{}.folio({})=={}.folio({}[{}])", x.proc, page, x.other_proc,
                                            x.other_page.map, x.other_page.index);
      case ObsKind::Access:
        return fmt::format("{}.access({},{})=={}", x.proc, page, x.write_access ? "write" : "read", x.value_text);
      case ObsKind::Scan: return fmt::format("{}.scan({}){{{}}}", x.proc, page, f);
      case ObsKind::ScanRange: return fmt::format("{}.pagemap_scan({}){{{}}}", x.proc, page, x.scan_text);
      case ObsKind::PipeRead: return fmt::format("{}.read(pipe)=={}", x.proc, x.value_text);
    }
    return "?";
  }

  void check_invariant(const Token& n) {
    if (mm::find_invariant(n.text)) return;
    std::string all;
    for (const auto& inv : mm::invariants()) all += fmt::format("{}{}", all.empty() ? "" : ", ", inv.name);
    fail(n.loc, fmt::format("unknown invariant '{}'; invariants are {} (see 'mmcheck invariants')", n.text, all));
  }

  // ---- explore and check ----
  void explore_line(const Token& kw) {
    if (!sc_.explore) {
      ExploreDecl e;
      e.loc = kw.loc;
      e.position = sc_.items.size();
      sc_.explore = e;
    }
    ExploreDecl& e = *sc_.explore;
    if (at_end()) fail(here(), "'explore' takes 'depth N', 'states N' and 'events E...'");
    while (!at_end()) {
      Token k = word("depth, states or events");
      if (k.text == "depth") e.depth = small_number("a depth bound", 1, 1000);
      else if (k.text == "states") {
        Token n = word("a state bound");
        e.states = number(n, "a state bound");
        if (e.states == 0) fail(n.loc, "a state bound of 0 explores nothing; give a positive number");
      } else if (k.text == "events") {
        if (at_end()) fail(here(), "'events' lists the event alphabet, e.g. 'events write read pageout writeback fork<=1'");
        while (!at_end()) {
          Token ev = word("an event name");
          if (ev.text == "depth" || ev.text == "states")
            fail(ev.loc, fmt::format("'{}' after 'events'; put 'events' last on the line", ev.text));
          mm::EventKind kind{};
          if (!mm::event_kind_from_name(ev.text, kind) && !is_event_alias(ev.text)) {
            std::string all;
            for (int i = 0; i < mm::EVENT_KIND_COUNT; i++)
              all += fmt::format("{} ", mm::event_kind_name(static_cast<mm::EventKind>(i)));
            fail(ev.loc, fmt::format("unknown event '{}'; events are {}and the aliases fault (read write) and zap "
                                     "(dontneed munmap exit)",
                                     ev.text, all));
          }
          EventLimit lim{ev.text, -1, ev.loc};
          if (peek_punct("<=")) {
            i_++;
            lim.limit = small_number("an event limit", 0, 100);
          }
          e.events.push_back(lim);
        }
      } else {
        fail(k.loc, fmt::format("unknown explore setting '{}'; write 'explore depth N states N events E...'", k.text));
      }
    }
  }

  void check_line(const Token& kw) {
    CheckDecl c;
    c.loc = kw.loc;
    Token n = word("an invariant name");
    check_invariant(n);
    c.invariant = n.text;
    Token v = word("holds or violated");
    if (v.text == "holds") c.expect_holds = true;
    else if (v.text == "violated") c.expect_holds = false;
    else fail(v.loc, fmt::format("expected verdict 'holds' or 'violated' but found '{}'", v.text));
    suffixes(c.under, c.under_loc, nullptr);
    end("write 'check INVARIANT holds|violated [under CONFIG]'");
    sc_.checks.push_back(c);
  }

  // ---- explore conditions (herd7 style) ----
  // exists|forall|~exists EXPR [under CONFIG] [as NAME]
  //   EXPR := CONJ (\/ CONJ)* ; CONJ := UNARY (/\ UNARY)* ; UNARY := ~UNARY | ( EXPR ) | observation
  void condition_line(const Token& kw) {
    ConditionDecl c;
    c.loc = kw.loc;
    if (kw.kind == Tok::Punct) {  // '~' 'exists'
      i_++;
      Token e = word("'exists' after '~'");
      if (e.text != "exists") fail(e.loc, fmt::format("expected 'exists' after '~' but found '{}'; a condition is "
                                                      "'exists', 'forall' or '~exists'", e.text));
      c.quant = CondQuant::NotExists;
    } else {
      c.quant = kw.text == "exists" ? CondQuant::Exists : CondQuant::Forall;
    }
    if (at_end())
      fail(here(), fmt::format("'{}' needs a condition over observations, e.g. '{} A: read p[0] == 2 /\\ A: pte p[0] "
                               "write=1'", cond_quant_name(c.quant), cond_quant_name(c.quant)));
    c.expr = cond_or();
    suffixes(c.under, c.under_loc, &c.name);
    c.named = !c.name.empty();
    if (c.name.empty()) c.name = fmt::format("{} {}", cond_quant_name(c.quant), c.expr.text());
    if (expect_names_.count(c.name)) {
      if (c.named) fail(kw.loc, fmt::format("name '{}' is used twice; names given with 'as' must be unique", c.name));
      std::string base = c.name;
      for (int n = 2; expect_names_.count(c.name); n++) c.name = fmt::format("{}#{}", base, n);
    }
    expect_names_.insert(c.name);
    end("a condition is observations joined by /\\ (and), \\/ (or), ~ (not) and parentheses, then optional "
        "'under CONFIG' and 'as NAME'");
    sc_.conditions.push_back(std::move(c));
  }

  CondExpr cond_or() {
    CondExpr first = cond_and();
    if (!peek_punct("\\/")) return first;
    CondExpr e;
    e.op = CondExpr::Op::Or;
    e.kids.push_back(std::move(first));
    while (peek_punct("\\/")) {
      i_++;
      e.kids.push_back(cond_and());
    }
    return e;
  }

  CondExpr cond_and() {
    CondExpr first = cond_unary();
    if (!peek_punct("/\\")) return first;
    CondExpr e;
    e.op = CondExpr::Op::And;
    e.kids.push_back(std::move(first));
    while (peek_punct("/\\")) {
      i_++;
      e.kids.push_back(cond_unary());
    }
    return e;
  }

  CondExpr cond_unary() {
    CondExpr e;
    if (peek_punct("~")) {
      i_++;
      e.op = CondExpr::Op::Not;
      e.kids.push_back(cond_unary());
      return e;
    }
    if (peek_punct("(")) {
      const Loc open = here();
      i_++;
      e = cond_or();
      if (!peek_punct(")"))
        fail(here(), fmt::format("expected ')' to close the '(' at {}:{} but found {}", open.line, open.col,
                                 describe_next()));
      i_++;
      return e;
    }
    if (at_end() || peek().kind != Tok::Word)
      fail(here(), fmt::format("expected an observation such as 'A: read p[0] == 1', '~' or '(' but found {}",
                               describe_next()));
    e.atom.loc = here();
    observation(e.atom);
    return e;
  }

  // ---- whole-file checks ----
  void finish(int lines) {
    Loc top{1, 1};
    if (!seen_title_) fail(top, "the file has no 'scenario \"title\"' line; start it with one");
    if (sc_.configs.empty())
      fail(top, "the scenario names no config; add a line such as 'config v6.18' (see 'mmcheck configs')");
    std::set<std::string> names;
    for (const auto& c : sc_.configs)
      if (!names.insert(c.display_name()).second)
        fail(c.loc, fmt::format("config '{}' is listed twice", c.display_name()));
    for (const auto& c : sc_.configs) {
      // A knob combination no kernel has (model/config_requires.h), with the file's `set` lines.
      mm::Config cfg = *mm::config_preset(c.preset);
      for (const auto& [k, v] : c.knobs) mm::config_set_knob(cfg, k, v);
      for (const auto& [k, v] : sc_.sets) mm::config_set_knob(cfg, k, v);
      if (std::string why = mm::config_contradiction(cfg); !why.empty())
        fail(c.loc, fmt::format("config '{}' is no kernel: {}", c.display_name(), why));
    }
    auto check_under = [&](const std::string& u, Loc loc) {
      if (u.empty() || names.count(u)) return;
      std::string all;
      for (const auto& n : names) all += fmt::format("{}{}", all.empty() ? "" : ", ", n);
      fail(loc, fmt::format("'under {}' names a config the scenario does not run under; its configs are {}", u, all));
    };
    for (const auto& it : sc_.items)
      if (it.is_expect()) check_under(it.expect().under, it.expect().under_loc);
    for (const auto& c : sc_.conditions) {
      check_under(c.under, c.under_loc);
      if (!sc_.explore)
        fail(c.loc, fmt::format("'{}' is a condition over the states an explore block reaches; add an explore block "
                                "such as 'explore events write read pageout writeback' before it, or use 'expect' "
                                "in the script",
                                cond_quant_name(c.quant)));
    }
    for (const auto& c : sc_.checks) {
      check_under(c.under, c.under_loc);
      if (!sc_.explore)
        fail(c.loc, "a 'check' needs an 'explore' block to check in; add e.g. 'explore depth 10 events write read pageout writeback'");
    }
    if (sc_.explore && sc_.explore->events.empty())
      fail(sc_.explore->loc, "the explore block has no event alphabet; add 'events write read pageout ...'");
    if (sc_.explore) {
      // Each limited kind is a counter in every explored state; aliases limit each kind they stand for.
      int limited = 0;
      for (const auto& ev : sc_.explore->events)
        if (ev.limit >= 0) limited += ev.name == "fault" ? 2 : ev.name == "zap" ? 3 : 1;
      if (limited > engine::MAX_LIMITED_KINDS)
        fail(sc_.explore->loc, fmt::format("{} event kinds carry a limit; the engine tracks at most {} (aliases "
                                           "count each kind they stand for)",
                                           limited, engine::MAX_LIMITED_KINDS));
    }
    (void)lines;
  }
};

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& file) { return Parser(text, file).parse(); }

Scenario load_scenario(const std::string& path, std::optional<uint64_t> max_memory_mb) {
  util::ReadResult r = util::read_bounded(path, MAX_SCENARIO_BYTES);
  switch (r.status) {
    case util::ReadStatus::Ok: break;
    case util::ReadStatus::IsDirectory:
      throw ScenarioError(path, Loc{0, 0},
                          "is a directory; give the path of a .scenario file, or run a whole directory with "
                          "'mmcheck regress DIR'");
    case util::ReadStatus::TooLarge:
      throw ScenarioError(path, Loc{0, 0},
                          fmt::format("the file is larger than {}, the limit for scenario files; a scenario "
                                      "is text of a few KB",
                                      util::size_words(MAX_SCENARIO_BYTES)));
    case util::ReadStatus::CannotOpen:
      throw ScenarioError(path, Loc{0, 0},
                          fmt::format("cannot read the file ({}); give the path of a .scenario file", r.error));
    case util::ReadStatus::ReadError:
      throw ScenarioError(path, Loc{0, 0}, fmt::format("reading the file failed: {}", r.error));
  }
  // The parse stays within the memory bound like the run after it (a stop
  // there is `incomplete`, exit 3).  A std::bad_alloc the guard did not
  // see coming (a limit reached between two of its readings) is the same
  // stop, not an internal error.
  engine::MemoryGuard guard(max_memory_mb.value_or(0));
  try {
    return Parser(r.text, path, &guard).parse();
  } catch (const std::bad_alloc&) {
    const size_t bytes = r.text.size();
    std::string().swap(r.text);
    throw engine::MemoryBoundHit(fmt::format("{}:0:0: incomplete: {}, while parsing the file ({} bytes of text); "
                                             "nothing was checked",
                                             path, guard.allocation_failed_text(), bytes));
  }
}

}  // namespace mmc::scenario
