// Traces as text for a patch author: under each step, what the modelled
// kernel decided and why (model/decisions.h), then what changed.  Ghost
// lines (the model's bookkeeping of what the program stored, "(ghost)")
// are hidden unless asked for.
#pragma once
#include <string>
#include <vector>

#include "checker/engine/engine.h"
#include "model/decisions.h"
#include "model/describe.h"

namespace mmc::engine {

// "https://.../mm/memory.c" for a decision, or "" without a template.
std::string source_link(const mm::Decision& d, const std::string& url_template);

// One line per decision: "do_swap_page (mm/memory.c): COND => VALUE".
std::string decision_text(const mm::Decision& d, const TraceStyle& style);

// A change line of the model's ghost state.
bool is_ghost_change(const std::string& line);

// A step's lines below its title: decisions first ("decided ..."), then the
// changes (ghost ones only with style.ghost); "(nothing changed)" when none.
std::vector<std::string> step_detail_lines(const TraceStep& st, const TraceStyle& style);

// "A: write s[0]=2", with " (uffd-wp fault to userspace)" / " (SIGSEGV)".
std::string step_title(const TraceStep& st);

// JSON (docs/json.md): a decision {function, file, condition, value[, proc,
// page, folio]}; a step {event, kind, status, decisions, changes,
// ghost_changes}; a trace {initial, steps}.
nlohmann::json decision_json(const mm::Decision& d, const mm::DisplayNames& names);
nlohmann::json step_json(const TraceStep& st, const mm::DisplayNames& names);
nlohmann::json trace_json(const Trace& t, const mm::DisplayNames& names);

}  // namespace mmc::engine
