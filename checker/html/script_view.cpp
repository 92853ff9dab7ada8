#include "checker/html/script_view.h"

#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "checker/scenario/report.h"

namespace mmc::scenario {
std::string step_description(const Step& st);  // show.cpp
}

namespace mmc::html {

TraceView script_view(const scenario::Scenario& s, const scenario::NamedConfig& cfg, const scenario::RunOptions& opt,
                      const scenario::ConfigRun& run) {
  using namespace mmc::scenario;
  TraceView v;
  v.heading = fmt::format("Script under {}", cfg.name);
  v.verdict = run.ok() ? "ok" : "FAIL";
  v.is_failure = false;
  // The script alone, nothing explored, run once: the state after the
  // setup and after each step, as long as each leaves one state (rerunning
  // every prefix instead made the page quadratic in the script's length).
  std::vector<mm::State> after;         // after the setup, then after each step
  size_t many_at = SIZE_MAX, many = 0;  // the first prefix (k items) that leaves more than one state
  v.names = walk_script(s, cfg, opt, [&](size_t k, const std::vector<mm::State>& states) {
    if (states.size() != 1) {
      many_at = k;
      many = states.size();
      return false;
    }
    if (k == 0 || !s.items[k - 1].is_expect()) after.push_back(states[0]);
    return true;
  });
  if (many_at == 0) {
    v.has_trace = false;
    v.message = "the setup leaves more than one state";
    return v;
  }
  v.initial = after[0];
  mm::State prev = v.initial;
  size_t steps = 0;
  // Expectation names are unique in a scenario: one lookup each, not a scan
  // of every result (a generated script has hundreds of thousands).
  std::unordered_map<std::string_view, const ObservationResult*> result_of;
  for (const ObservationResult& o : run.observations) result_of.emplace(o.name, &o);
  for (size_t i = 0; i < s.items.size(); i++) {
    const Item& it = s.items[i];
    if (it.is_expect()) {
      if (v.steps.empty() || (!it.expect().under.empty() && it.expect().under != cfg.name)) continue;
      auto o = result_of.find(it.expect().name);
      if (o != result_of.end())
        v.steps.back().notes.push_back({fmt::format("expect {} {}: {} {} {}", quant_name(it.expect().quant),
                                                    it.expect().observation(), quant_title(o->second->actual()),
                                                    o->second->pos, o->second->neg),
                                        o->second->ok()});
      continue;
    }
    if (many_at == i + 1) {
      v.has_trace = false;
      v.steps.clear();
      v.message = fmt::format(
          "line {}: '{}' leaves {} states (the kernel may or may not have finished background work); the page "
          "draws the script only when every step has one outcome (write 'background none' and explicit "
          "'kernel:' steps for that)",
          it.step().loc.line, step_description(it.step()), many);
      return v;
    }
    TraceViewStep st;
    st.event = fmt::format("line {}: {}", it.step().loc.line, step_description(it.step()));
    st.before = prev;
    st.after = after[++steps];
    st.changes = mm::describe_changes(prev, st.after, v.names);
    prev = st.after;
    v.steps.push_back(std::move(st));
  }
  return v;
}

}  // namespace mmc::html
