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

std::string step_title(const TraceStep& st) {
  const char* note = st.status == mm::Status::WpFault ? " (uffd-wp fault to userspace)"
                     : st.status == mm::Status::Sigsegv ? " (SIGSEGV)"
                                                       : "";
  return st.text + note;
}

}  // namespace mmc::engine
