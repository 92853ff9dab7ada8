// checker/html: the page shows a step's decisions when the trace carries
// them, escapes text, highlights what changed, and draws one SVG per state.
#include <doctest/doctest.h>

#include <string>

#include "checker/html/page.h"
#include "checker/html/state_picture.h"
#include "checker/html/trace_view.h"
#include "model/mm.h"
#include "model/state.h"

using namespace mmc;

namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) n++;
  return n;
}

}  // namespace

TEST_CASE("html: decisions, escaping, highlights, one picture per state") {
  mm::State s0{};
  s0.proc[0].alive = mm::PROC_ALIVE;
  s0.proc[0].vma[0] = mm::Vma{mm::VmaKind::PrivateAnon, 0, 1, mm::VM_WRITE, mm::NONE, 0};
  mm::State s1 = s0;
  s1.folio[0].flags = mm::FOLIO_ALLOCATED | mm::PG_anon | mm::PG_uptodate | mm::PG_dirty;
  s1.folio[0].content[0] = 1;
  s1.proc[0].pte[0] = mm::Pte{mm::PteKind::Present, mm::PTE_WRITE | mm::PTE_DIRTY, 0, 0};

  html::TraceView v;
  v.heading = "Check <x> & y";
  v.verdict = "violated";
  v.message = "a < b";
  v.initial = s0;
  html::TraceViewStep st;
  st.event = "A: write p[0]=1";
  st.decisions = {"do_anonymous_page: no folio, allocate F0"};
  st.changes = {"A.pte[0]: none -> present(F0,rw,dirty)", "A.expect[0] (ghost): 0 -> 1"};
  st.before = s0;
  st.after = s1;
  v.steps.push_back(st);
  html::Page p;
  p.title = "t";
  p.traces.push_back(v);
  const std::string page = html::render_page(p);

  CHECK(page.find("<ul class=\"decisions\"><li>do_anonymous_page: no folio, allocate F0</li></ul>") != std::string::npos);
  CHECK(page.find("Check &lt;x&gt; &amp; y") != std::string::npos);
  CHECK(page.find("a &lt; b") != std::string::npos);
  CHECK(page.find("<x>") == std::string::npos);
  CHECK(page.find("<li class=\"ghost\">A.expect[0] (ghost): 0 -&gt; 1</li>") != std::string::npos);
  CHECK(page.find("<tr class=\"add\"><td class=\"key\">A.pte[0]</td>") != std::string::npos);
  CHECK(page.find("<tr class=\"add\"><td class=\"key\">F0</td>") != std::string::npos);
  CHECK(count(page, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"state\"") == 2);  // initial + step 1
  CHECK(page.find("<rect class=\"folio changed\"") != std::string::npos);
  CHECK(page.find("<path class=\"map\"") != std::string::npos);
  CHECK(page.find("<section class=\"step violating\" id=\"t0-s1\"") != std::string::npos);
  // No decisions recorded: no empty list.
  v.steps[0].decisions.clear();
  p.traces = {v};
  CHECK(html::render_page(p).find("class=\"decisions\"") == std::string::npos);
}

TEST_CASE("html: a state picture without changes highlights nothing") {
  mm::State s{};
  s.proc[0].alive = mm::PROC_ALIVE;
  s.proc[0].vma[0] = mm::Vma{mm::VmaKind::PrivateAnon, 0, 1, mm::VM_WRITE, mm::NONE, 0};
  s.folio[0].flags = mm::FOLIO_ALLOCATED | mm::PG_anon;
  s.proc[0].pte[0] = mm::Pte{mm::PteKind::Present, 0, 0, 0};
  const std::string svg = html::state_svg(s, s, mm::DisplayNames{});
  CHECK(svg.find("changed") == std::string::npos);
  CHECK(svg.find(">F0<") != std::string::npos);
  CHECK(svg.find("p[0] present(F0,ro)") != std::string::npos);
}
