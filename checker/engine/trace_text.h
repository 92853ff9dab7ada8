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

}  // namespace mmc::engine
