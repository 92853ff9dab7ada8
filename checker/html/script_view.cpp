#include "checker/html/script_view.h"

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
  // The states after the first k items: the script alone, nothing explored.
  auto states_after = [&](size_t k) {
    Scenario t = s;
    t.items.erase(t.items.begin() + static_cast<std::ptrdiff_t>(k), t.items.end());
    t.explore.reset();
    t.checks.clear();
    t.conditions.clear();
    return build_workload(t, cfg, opt);
  };
  const engine::Workload all = states_after(s.items.size());
  v.names = mm::DisplayNames{all.proc_names, all.device_names};
  engine::Workload w = states_after(0);
  if (w.initial.size() != 1) {
    v.has_trace = false;
    v.message = "the setup leaves more than one state";
    return v;
  }
  v.initial = w.initial[0];
  mm::State prev = v.initial;
  for (size_t i = 0; i < s.items.size(); i++) {
    const Item& it = s.items[i];
    if (it.is_expect()) {
      if (v.steps.empty() || (!it.expect().under.empty() && it.expect().under != cfg.name)) continue;
      for (const ObservationResult& o : run.observations)
        if (o.name == it.expect().name)
          v.steps.back().notes.push_back({fmt::format("expect {} {}: {} {} {}", quant_name(it.expect().quant),
                                                      it.expect().observation(), quant_title(o.actual()), o.pos, o.neg),
                                          o.ok()});
      continue;
    }
    w = states_after(i + 1);
    if (w.initial.size() != 1) {
      v.has_trace = false;
      v.steps.clear();
      v.message = fmt::format(
          "line {}: '{}' leaves {} states (the kernel may or may not have finished background work); the page "
          "draws the script only when every step has one outcome (write 'background none' and explicit "
          "'kernel:' steps for that)",
          it.step().loc.line, step_description(it.step()), w.initial.size());
      return v;
    }
    TraceViewStep st;
    st.event = fmt::format("line {}: {}", it.step().loc.line, step_description(it.step()));
    st.before = prev;
    st.after = w.initial[0];
    st.changes = mm::describe_changes(prev, st.after, v.names);
    prev = st.after;
    v.steps.push_back(std::move(st));
  }
  return v;
}

}  // namespace mmc::html
