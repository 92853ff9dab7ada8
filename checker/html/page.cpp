#include "checker/html/page.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "checker/html/state_picture.h"
#include "checker/util/atomic_file.h"

namespace mmc::html {

namespace {

constexpr const char* kStyle = R"css(
:root { --fg:#1d1d1f; --dim:#777; --line:#d8d8de; --chg:#fff1b8; --add:#dff5df; --del:#fde0e0; --bad:#b3261e; --ok:#1e6b34; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; background: #f6f6f8; }
header.page { background: #23262e; color: #fff; padding: 14px 24px; }
header.page h1 { font-size: 18px; margin: 0 0 4px 0; font-weight: 600; }
header.page div { color: #c9ccd4; font-size: 12.5px; }
main { padding: 12px 24px 40px 24px; max-width: 1400px; }
.mono, td, .changes, .decisions, .timeline a { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
table.summary { border-collapse: collapse; margin: 8px 0 16px 0; background: #fff; }
table.summary td { border: 1px solid var(--line); padding: 3px 8px; }
details pre { margin: 4px 0 4px 12px; font-size: 12px; } details summary { color: var(--bad); cursor: pointer; }
td.ok { color: var(--ok); } td.fail { color: var(--bad); font-weight: 600; }
section.trace { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px 16px 16px; margin: 16px 0; }
section.trace > h2 { font-size: 16px; margin: 4px 0 8px 0; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; margin-left: 8px; color: #fff; background: var(--dim); vertical-align: 2px; }
.badge.violated, .badge.FAIL { background: var(--bad); } .badge.holds, .badge.validated, .badge.ok { background: var(--ok); }
.message { border-left: 4px solid var(--bad); background: #fff5f4; padding: 6px 10px; margin: 8px 0; }
.message b { color: var(--bad); }
.witness { border-left: 4px solid var(--ok); background: #f3faf4; padding: 6px 10px; margin: 8px 0; }
nav.timeline { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 10px 0; }
nav.timeline a { text-decoration: none; color: var(--fg); border: 1px solid var(--line); background: #fafafa; border-radius: 14px; padding: 2px 10px; }
nav.timeline a.violating { border-color: var(--bad); color: var(--bad); font-weight: 600; }
nav.timeline a.current { background: #23262e; color: #fff; }
nav.timeline span.arrow { color: var(--dim); }
section.step { border-top: 1px solid var(--line); padding: 10px 0 4px 0; scroll-margin-top: 8px; }
section.step.current { box-shadow: -6px 0 0 0 #4a6cf7; }
section.step h3 { font-size: 14.5px; margin: 0 0 6px 0; }
section.step h3 .n { display: inline-block; min-width: 26px; height: 22px; line-height: 22px; text-align: center; border-radius: 11px; background: #23262e; color: #fff; font-size: 12px; margin-right: 6px; }
section.step.violating h3 .n { background: var(--bad); }
.note { color: var(--bad); margin-left: 8px; font-size: 12.5px; }
.decisions { background: #eef3ff; border-left: 4px solid #4a6cf7; padding: 4px 10px; margin: 4px 0 6px 0; list-style: none; }
.decisions li::before { content: "\2192  "; color: #4a6cf7; }
ul.changes { margin: 4px 0 8px 0; padding-left: 22px; }
ul.notes { margin: 2px 0 8px 0; padding-left: 22px; list-style: "\2713  "; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
ul.notes li.ok b { color: var(--ok); } ul.notes li.fail { list-style: "\2717  "; } ul.notes li.fail b { color: var(--bad); }
.ghost { color: var(--dim); }
body:not(.show-ghost) .ghost { display: none; }
.cols { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
table.state { border-collapse: collapse; background: #fff; min-width: 520px; }
table.state th { text-align: left; font-weight: 600; font-size: 12px; color: var(--dim); border-bottom: 1px solid var(--line); padding: 2px 8px; }
table.state td { padding: 1px 8px; border-bottom: 1px solid #f0f0f3; vertical-align: top; }
table.state td.key { color: #4a4f5c; white-space: nowrap; }
tr.chg td.after { background: var(--chg); } tr.chg td.before { background: #fbf6e2; }
tr.add td.after { background: var(--add); }
tr.del td.before { background: var(--del); text-decoration: line-through; }
svg.state { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
svg.state text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 11px; fill: #222; }
svg.state text.name { font-weight: 700; font-size: 12px; }
svg.state text.col { font-family: system-ui, sans-serif; font-size: 11px; fill: #777; text-transform: uppercase; letter-spacing: .06em; }
svg.state text.dim { fill: #aaa; }
svg.state rect.proc { fill: #eef3ff; stroke: #8aa0e6; } svg.state rect.proc.exited { fill: #f1f1f1; stroke: #bbb; }
svg.state rect.inode { fill: #f2ecfb; stroke: #a98bd9; }
svg.state rect.folio { fill: #eef8ee; stroke: #7bb77b; } svg.state rect.folio.shmem { fill: #f6f0e6; stroke: #c7a46a; }
svg.state rect.swapdev { fill: #f4f4f6; stroke: #9a9aa6; }
svg.state rect.changed { stroke: #e08a00; stroke-width: 2.5; }
svg.state rect.rowchanged { fill: var(--chg); stroke: none; }
svg.state path.map { stroke: #4a6cf7; stroke-width: 1.5; fill: none; }
svg.state path.swp { stroke: #9b51e0; stroke-width: 1.5; fill: none; stroke-dasharray: 5 3; opacity: .8; }
svg.state path.cache { stroke: #888; stroke-width: 1.2; fill: none; stroke-dasharray: 2 3; }
path.head-map { fill: #4a6cf7; } path.head-swp { fill: #9b51e0; } path.head-cache { fill: #888; }
.legend { color: var(--dim); font-size: 12px; margin: 2px 0 6px 0; }
.controls { margin: 10px 0; font-size: 13px; color: #444; }
kbd { border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font-size: 11px; background: #fff; }
)css";

// Step navigation (j/k or arrow keys, timeline clicks) and the ghost toggle.
// Everything is readable without it; it marks the page when it ran.
constexpr const char* kScript = R"js(
(function () {
  var root = document.documentElement;
  window.addEventListener('error', function (e) { root.setAttribute('data-mmcheck-error', String(e.message)); });
  var steps = Array.prototype.slice.call(document.querySelectorAll('section.step'));
  var cur = -1;
  function select(i, scroll) {
    if (i < 0 || i >= steps.length) return;
    if (cur >= 0) steps[cur].classList.remove('current');
    document.querySelectorAll('nav.timeline a.current').forEach(function (a) { a.classList.remove('current'); });
    cur = i;
    steps[i].classList.add('current');
    var link = document.querySelector('nav.timeline a[href="#' + steps[i].id + '"]');
    if (link) link.classList.add('current');
    if (scroll) steps[i].scrollIntoView({block: 'start'});
  }
  document.querySelectorAll('nav.timeline a').forEach(function (a) {
    a.addEventListener('click', function () {
      var id = a.getAttribute('href').slice(1);
      for (var i = 0; i < steps.length; i++) if (steps[i].id === id) select(i, false);
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'j') select(cur + 1, true);
    if (e.key === 'ArrowLeft' || e.key === 'k') select(cur - 1, true);
  });
  var ghost = document.getElementById('show-ghost');
  if (ghost) ghost.addEventListener('change', function () { document.body.classList.toggle('show-ghost', ghost.checked); });
  root.setAttribute('data-mmcheck-steps', String(steps.length));
  root.setAttribute('data-mmcheck-ready', 'ok');
})();
)js";

std::string li_list(const std::vector<std::string>& lines, const char* cls) {
  std::string out = fmt::format("<ul class=\"{}\">", cls);
  for (const std::string& l : lines) {
    // Ghost-state lines are the model's bookkeeping, hidden unless asked for.
    const bool ghost = l.find("(ghost)") != std::string::npos || l.find(".ghost[") != std::string::npos;
    out += fmt::format("<li{}>{}</li>", ghost ? " class=\"ghost\"" : "", escape(l));
  }
  return out + "</ul>\n";
}

// The state before and after a step, row by row, changes highlighted.
std::string state_table(const mm::State& before, const mm::State& after, const mm::DisplayNames& names,
                        const std::string& before_title, const std::string& after_title, bool single) {
  const std::vector<StateRow> a = state_rows(before, names), b = state_rows(after, names);
  std::map<std::string, const StateRow*> in_a, in_b;
  for (const auto& r : a) in_a[r.key] = &r;
  for (const auto& r : b) in_b[r.key] = &r;
  // The rows of `after` in order, with the ones that went away placed
  // after the row they followed in `before`.
  std::vector<std::string> keys;
  std::set<std::string> placed;
  for (const auto& r : b) keys.push_back(r.key), placed.insert(r.key);
  for (size_t i = 0; i < a.size(); i++) {
    if (placed.count(a[i].key)) continue;
    auto at = keys.begin();
    for (size_t j = i; j-- > 0;) {
      auto it = std::find(keys.begin(), keys.end(), a[j].key);
      if (it != keys.end()) {
        at = it + 1;
        break;
      }
    }
    keys.insert(at, a[i].key);
    placed.insert(a[i].key);
  }
  std::string out = "<table class=\"state\"><tr><th>object</th>";
  if (!single) out += fmt::format("<th>{}</th>", escape(before_title));
  out += fmt::format("<th>{}</th></tr>\n", escape(after_title));
  for (const std::string& k : keys) {
    const StateRow* x = in_a.count(k) ? in_a[k] : nullptr;
    const StateRow* y = in_b.count(k) ? in_b[k] : nullptr;
    std::string cls;
    if (!single) cls = !x ? "add" : !y ? "del" : x->value != y->value ? "chg" : "";
    if ((x && x->ghost) || (y && y->ghost)) cls += cls.empty() ? "ghost" : " ghost";
    out += fmt::format("<tr{}><td class=\"key\">{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"", escape(k));
    if (!single) out += fmt::format("<td class=\"before\">{}</td>", x ? escape(x->value) : "");
    out += fmt::format("<td class=\"after\">{}</td></tr>\n", y ? escape(y->value) : "");
  }
  if (keys.empty()) out += "<tr><td colspan=\"3\">(empty state)</td></tr>\n";
  return out + "</table>\n";
}

std::string step_id(size_t t, size_t i) { return fmt::format("t{}-s{}", t, i); }

std::string render_trace(const TraceView& v, size_t t) {
  std::string out = fmt::format("<section class=\"trace\" id=\"t{}\">\n<h2>{}<span class=\"badge {}\">{}</span></h2>\n", t,
                                escape(v.heading), escape(v.verdict), escape(v.verdict));
  const bool fails = v.is_failure && !v.message.empty();
  if (fails)
    out += fmt::format("<div class=\"message\"><b>{} because:</b> {}</div>\n",
                       v.verdict == "violated" ? "Violated" : "Failed", escape(v.message));
  else if (!v.message.empty())
    out += fmt::format("<div class=\"witness\">{}</div>\n", escape(v.message));
  if (!v.has_trace) return out + "</section>\n";
  // Timeline.
  out += "<nav class=\"timeline\">";
  out += fmt::format("<a href=\"#{}\">0 initial</a>", step_id(t, 0));
  for (size_t i = 0; i < v.steps.size(); i++) {
    const bool last = fails && i + 1 == v.steps.size();
    out += fmt::format("<span class=\"arrow\">&#8594;</span><a href=\"#{}\"{}>{} {}</a>", step_id(t, i + 1),
                       last ? " class=\"violating\"" : "", i + 1, escape(v.steps[i].event));
  }
  out += "</nav>\n";
  out += "<div class=\"legend\">Arrows: <span style=\"color:#4a6cf7\">&#9473; maps</span> (PTE or page cache to folio), "
         "<span style=\"color:#9b51e0\">&#9476; swap entry</span> (to its slot), <span style=\"color:#888\">&#8943; "
         "swap cache</span> (folio to slot). Highlighted: changed by this step.</div>\n";
  // Step 0: the initial state.
  out += fmt::format("<section class=\"step\" id=\"{}\" data-step=\"0\">\n<h3><span class=\"n\">0</span>initial state</h3>\n",
                     step_id(t, 0));
  out += "<div class=\"cols\">" + state_table(v.initial, v.initial, v.names, "", "state", true);
  out += state_svg(v.initial, v.initial, v.names) + "</div>\n</section>\n";
  for (size_t i = 0; i < v.steps.size(); i++) {
    const TraceViewStep& s = v.steps[i];
    const bool last = fails && i + 1 == v.steps.size();
    out += fmt::format("<section class=\"step{}\" id=\"{}\" data-step=\"{}\">\n", last ? " violating" : "", step_id(t, i + 1),
                       i + 1);
    out += fmt::format("<h3><span class=\"n\">{}</span>{}{}</h3>\n", i + 1, escape(s.event),
                       s.note.empty() ? "" : "<span class=\"note\">(" + escape(s.note) + ")</span>");
    if (!s.decisions.empty()) out += li_list(s.decisions, "decisions");
    if (s.changes.empty()) out += "<ul class=\"changes\"><li>(nothing changed)</li></ul>\n";
    else out += li_list(s.changes, "changes");
    if (!s.notes.empty()) {
      out += "<ul class=\"notes\">";
      for (const StepNote& n : s.notes)
        out += fmt::format("<li class=\"{}\">{} <b>{}</b></li>", n.ok ? "ok" : "fail", escape(n.text), n.ok ? "ok" : "FAIL");
      out += "</ul>\n";
    }
    out += "<div class=\"cols\">" +
           state_table(s.before, s.after, v.names, fmt::format("before (after step {})", i), fmt::format("after step {}", i + 1),
                       false);
    out += state_svg(s.after, s.before, v.names) + "</div>\n";
    if (last) out += fmt::format("<div class=\"message\"><b>Here:</b> {}</div>\n", escape(v.message));
    out += "</section>\n";
  }
  return out + "</section>\n";
}

}  // namespace

std::string render_page(const Page& p) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>mmcheck: {}</title>\n<style>{}</style>\n</head>\n<body>\n", escape(p.title), kStyle);
  out += svg_defs();
  out += fmt::format("<header class=\"page\"><h1>{}</h1>", escape(p.title));
  for (const std::string& l : p.subtitle) out += fmt::format("<div>{}</div>", escape(l));
  out += "</header>\n<main>\n";
  out += "<div class=\"controls\"><label><input type=\"checkbox\" id=\"show-ghost\"> show ghost state (the model's "
         "bookkeeping, not kernel fields)</label> &nbsp; Steps: <kbd>&#8592;</kbd> <kbd>&#8594;</kbd> or <kbd>k</kbd> "
         "<kbd>j</kbd></div>\n";
  if (!p.summary.empty()) {
    out += "<table class=\"summary\">\n";
    for (const SummaryRow& r : p.summary) {
      out += fmt::format("<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"{}\">{}</td></tr>\n",
                         escape(r.what), escape(r.result), r.ok ? "ok" : "fail", r.ok ? "ok" : "FAIL");
      if (r.detail.empty()) continue;
      out += "<tr><td colspan=\"3\"><details open><summary>a state that contradicts it</summary><pre>";
      for (const std::string& l : r.detail) out += escape(l) + "\n";
      out += "</pre></details></td></tr>\n";
    }
    out += "</table>\n";
  }
  for (size_t t = 0; t < p.traces.size(); t++) out += render_trace(p.traces[t], t);
  if (p.traces.empty()) out += "<p>No trace to show: nothing was violated.</p>\n";
  out += fmt::format("</main>\n<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

std::string write_page(const std::string& path, const std::string& html) {
  return util::write_file_atomically(path, html);
}

}  // namespace mmc::html
