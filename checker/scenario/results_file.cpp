#include "checker/scenario/results_file.h"

#include <fmt/format.h>

#include "checker/util/bounded_read.h"
#include "checker/util/json_depth.h"

namespace mmc::scenario {

namespace {

using json = nlohmann::json;

// `key` of object `o`, when present, must satisfy `ok`.
template <class Pred>
std::string field(const json& o, const char* key, const std::string& where, const char* what, Pred ok) {
  auto it = o.find(key);
  if (it == o.end() || ok(*it)) return "";
  return fmt::format("{}: '{}' is not {}", where, key, what);
}

bool is_count(const json& v) { return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0); }

std::string array_of_objects(const json& o, const char* key, const std::string& where, bool required) {
  auto it = o.find(key);
  if (it == o.end()) return required ? fmt::format("{}: '{}' is missing", where, key) : "";
  if (!it->is_array()) return fmt::format("{}: '{}' is not an array", where, key);
  for (size_t i = 0; i < it->size(); i++)
    if (!(*it)[i].is_object()) return fmt::format("{}.{}[{}] is not an object", where, key, i);
  return "";
}

}  // namespace

std::string results_shape_error(const json& j) {
  if (!j.is_object()) return "the top level is not an object";
  if (!j.contains("schema_version")) return "no 'schema_version'; this is not a file written by 'regress --json'";
  if (!is_count(j["schema_version"])) return "'schema_version' is not a whole number";
  if (std::string e = array_of_objects(j, "scenarios", "the file", true); !e.empty()) return e;
  const auto is_string = [](const json& v) { return v.is_string(); };
  for (size_t s = 0; s < j["scenarios"].size(); s++) {
    const json& sc = j["scenarios"][s];
    const std::string where = fmt::format("scenarios[{}]", s);
    for (const char* k : {"name", "error"})
      if (std::string e = field(sc, k, where, "a string", is_string); !e.empty()) return e;
    if (std::string e = array_of_objects(sc, "configs", where, false); !e.empty()) return e;
    if (!sc.contains("configs")) continue;
    for (size_t c = 0; c < sc["configs"].size(); c++) {
      const json& cf = sc["configs"][c];
      const std::string cw = fmt::format("{}.configs[{}]", where, c);
      if (std::string e = field(cf, "config", cw, "a string", is_string); !e.empty()) return e;
      for (const char* list : {"observations", "checks"})
        if (std::string e = array_of_objects(cf, list, cw, true); !e.empty()) return e;
      for (size_t o = 0; o < cf["observations"].size(); o++) {
        const json& ob = cf["observations"][o];
        const std::string ow = fmt::format("{}.observations[{}]", cw, o);
        for (const char* k : {"name", "actual"})
          if (std::string e = field(ob, k, ow, "a string", is_string); !e.empty()) return e;
        for (const char* k : {"pos", "neg"})
          if (std::string e = field(ob, k, ow, "a whole number", is_count); !e.empty()) return e;
      }
      for (size_t k = 0; k < cf["checks"].size(); k++) {
        const json& ck = cf["checks"][k];
        const std::string kw = fmt::format("{}.checks[{}]", cw, k);
        for (const char* key : {"invariant", "verdict"})
          if (std::string e = field(ck, key, kw, "a string", is_string); !e.empty()) return e;
      }
    }
  }
  return "";
}

bool parse_results(std::string_view text, json& out, std::string& why) {
  if (util::json_nesting_depth(text, util::MAX_JSON_DEPTH) > util::MAX_JSON_DEPTH) {
    why = "nested deeper than " + std::to_string(util::MAX_JSON_DEPTH) + " levels";
    return false;
  }
  // No exceptions from the parser: a syntax error is a discarded value.
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    why = "not valid JSON";
    return false;
  }
  why = results_shape_error(j);
  if (!why.empty()) return false;
  out = std::move(j);
  return true;
}

bool read_results_file(const std::string& path, json& out, std::string& why) {
  util::ReadResult r = util::read_bounded(path, MAX_RESULTS_BYTES);
  switch (r.status) {
    case util::ReadStatus::Ok: return parse_results(r.text, out, why);
    case util::ReadStatus::IsDirectory: why = "is a directory"; return false;
    case util::ReadStatus::TooLarge:
      why = fmt::format("larger than {}, the limit for results files", util::size_words(MAX_RESULTS_BYTES));
      return false;
    case util::ReadStatus::CannotOpen: why = fmt::format("cannot read it ({})", r.error); return false;
    case util::ReadStatus::ReadError: why = fmt::format("reading it failed: {}", r.error); return false;
  }
  return false;
}

}  // namespace mmc::scenario
