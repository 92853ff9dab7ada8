#include "checker/html/trace_view.h"

namespace mmc::html {

TraceView trace_view(const engine::Trace& t, const mm::DisplayNames& names) {
  TraceView v;
  v.names = names;
  v.initial = t.initial;
  mm::State prev = t.initial;
  for (const engine::TraceStep& st : t.steps) {
    TraceViewStep s;
    s.event = st.text;
    if (st.status == mm::Status::WpFault) s.note = "uffd-wp fault to userspace";
    if (st.status == mm::Status::Sigsegv) s.note = "SIGSEGV";
    s.changes = st.changes;
    s.before = prev;
    s.after = st.after;
    prev = st.after;
    v.steps.push_back(std::move(s));
  }
  return v;
}

}  // namespace mmc::html
