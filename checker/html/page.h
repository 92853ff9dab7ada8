// One self-contained HTML page of traces (`run --html`, `explore --html`):
// no network, no external script, style or font.  Per trace: a timeline of
// the steps, each step's state beside the previous one with the changes
// highlighted, the decisions the model recorded, the violated invariant's
// message, and an SVG of processes, PTEs, folios, swap slots and page caches.
// The page's small script (step navigation, ghost toggle) marks
// <html data-mmcheck-ready="ok"> when it ran without error, which the
// headless-browser test checks.
#pragma once
#include <string>
#include <vector>

#include "checker/html/trace_view.h"

namespace mmc::html {

struct SummaryRow {
  std::string what;    // "Check stable_writes", "Observation A.read(p[0])==2"
  std::string result;  // "violated  expected violated"
  bool ok = true;
  std::vector<std::string> detail;  // e.g. the state that contradicts a failed expectation
};

struct Page {
  std::string title;                 // the scenario's title / the workload's name
  std::vector<std::string> subtitle;  // file, source, config, counts
  std::vector<SummaryRow> summary;
  std::vector<TraceView> traces;
};

std::string render_page(const Page& p);

// Writes `html` through util::write_file_atomically (a temporary renamed
// over `path`; a device written in place).  Returns what went wrong in
// strerror's words, or "" on success.
std::string write_page(const std::string& path, const std::string& html);

}  // namespace mmc::html
