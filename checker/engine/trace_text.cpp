#include "checker/engine/trace_text.h"

#include <fmt/format.h>

namespace mmc::engine {

namespace {
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}
}  // namespace

std::string source_link(const mm::Decision& d, const std::string& url_template) {
  if (url_template.empty()) return "";
  std::string url = url_template;
  replace_all(url, "{file}", d.file);
  replace_all(url, "{function}", d.function);
  return url;
}

std::string decision_text(const mm::Decision& d, const TraceStyle& style) {
  std::string link = source_link(d, style.source_url);
  return fmt::format("decided {} ({}{}): {} => {}", d.function, d.file, link.empty() ? "" : " " + link, d.condition,
                     d.value);
}

bool is_ghost_change(const std::string& line) { return line.find("(ghost)") != std::string::npos; }

std::vector<std::string> step_detail_lines(const TraceStep& st, const TraceStyle& style) {
  std::vector<std::string> out;
  for (const mm::Decision& d : st.decisions) out.push_back(decision_text(d, style));
  size_t shown = 0;
  for (const std::string& c : st.changes)
    if (style.ghost || !is_ghost_change(c)) {
      out.push_back(c);
      shown++;
    }
  if (st.changes.empty()) out.push_back("(nothing changed)");
  else if (!shown) out.push_back("(only ghost state changed; --ghost shows it)");
  return out;
}

nlohmann::json decision_json(const mm::Decision& d, const mm::DisplayNames& names) {
  nlohmann::json j = {{"function", d.function}, {"file", d.file}, {"condition", d.condition}, {"value", d.value}};
  if (d.proc >= 0) j["process"] = names.proc(d.proc);
  if (d.page >= 0) j["page"] = names.page(d.page);
  if (d.folio >= 0) j["folio"] = fmt::format("F{}", d.folio);
  return j;
}

static const char* status_name(mm::Status s) {
  switch (s) {
    case mm::Status::Done: return "done";
    case mm::Status::Disabled: return "disabled";
    case mm::Status::WpFault: return "uffd-wp-fault";
    case mm::Status::Sigsegv: return "sigsegv";
    case mm::Status::OutOfCapacity: return "out-of-capacity";
  }
  return "?";
}

nlohmann::json step_json(const TraceStep& st, const mm::DisplayNames& names) {
  nlohmann::json decisions = nlohmann::json::array();
  for (const mm::Decision& d : st.decisions) decisions.push_back(decision_json(d, names));
  std::vector<std::string> changes, ghost;
  for (const std::string& c : st.changes) (is_ghost_change(c) ? ghost : changes).push_back(c);
  return {{"event", st.text},
          {"kind", st.has_event ? std::string(mm::event_kind_name(st.event.kind)) : std::string("script")},
          {"status", status_name(st.status)},
          {"decisions", decisions},
          {"changes", changes},
          {"ghost_changes", ghost}};
}

nlohmann::json trace_json(const Trace& t, const mm::DisplayNames& names) {
  nlohmann::json steps = nlohmann::json::array();
  for (const TraceStep& s : t.steps) steps.push_back(step_json(s, names));
  return {{"initial", mm::describe_state(t.initial, names)}, {"steps", steps}};
}

std::string step_title(const TraceStep& st) {
  const char* note = st.status == mm::Status::WpFault ? " (uffd-wp fault to userspace)"
                     : st.status == mm::Status::Sigsegv ? " (SIGSEGV)"
                                                       : "";
  return st.text + note;
}

}  // namespace mmc::engine
