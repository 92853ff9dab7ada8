// A scenario's script as a trace for the HTML page: the state after each
// step, with the expectations evaluated there.  Built by running the
// script's prefixes through the scenario runner (build_workload), so the
// runner needs no hook; scripts are short, the quadratic cost is small.
#pragma once
#include "checker/html/trace_view.h"
#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"

namespace mmc::html {

// The script under `cfg`.  When a step leaves more than one state (the
// kernel may or may not have finished writeback, ...), the view has no
// steps (has_trace = false) and its message says where and why.
TraceView script_view(const scenario::Scenario& s, const scenario::NamedConfig& cfg, const scenario::RunOptions& opt,
                      const scenario::ConfigRun& run);

}  // namespace mmc::html
