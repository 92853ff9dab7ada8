#include "checker/live/recording.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "checker/engine/memory.h"
#include "checker/live/replay.h"
#include "checker/scenario/parser.h"
#include "checker/util/atomic_file.h"
#include "checker/util/bounded_read.h"
#include "checker/util/json_depth.h"

namespace mmc::live {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// "…/scenarios/live/x.scenario" -> "scenarios/live/x.scenario": recordings
// name scenarios relative to the source tree, wherever the run started.
std::string source_relative(const std::string& file) {
  const fs::path p = fs::path(file).lexically_normal();
  std::vector<fs::path> parts(p.begin(), p.end());
  for (size_t i = parts.size(); i-- > 0;)
    if (parts[i] == "scenarios") {
      fs::path out;
      for (size_t k = i; k < parts.size(); k++) out /= parts[k];
      return out.generic_string();
    }
  return p.generic_string();
}

ObsKind kind_of(const std::string& name, const std::string& file) {
  for (ObsKind k : {ObsKind::Pagemap, ObsKind::Mincore, ObsKind::Value, ObsKind::Lseek, ObsKind::WriteStatus})
    if (name == obs_kind_name(k)) return k;
  throw std::runtime_error(fmt::format("{}: error: unknown observation kind '{}'", file, name));
}

std::string value_text(const std::string& kind, uint64_t v) {
  if (kind == "pagemap") return fmt::format("{:#018x}", v);
  return std::to_string(static_cast<int64_t>(v));
}

}  // namespace

RecordedScenario record_scenario(const std::string& file, const Plan& plan, const ProgramOutput& out) {
  RecordedScenario rs;
  rs.file = source_relative(file);
  rs.title = plan.title;
  for (const Observation& o : plan.observations) {
    if (!o.parts.empty()) continue;  // derived from its parts
    auto it = out.obs.find(o.id);
    if (it == out.obs.end()) continue;  // not printed: the live run already said DISAGREE
    rs.observations.push_back(RecordedObs{o.id, o.loc.line, obs_kind_name(o.kind), o.text, it->second});
  }
  return rs;
}

std::string recording_json(const Recording& r) {
  json j;
  j["schema_version"] = 1;
  j["note"] = r.note;
  j["synthetic"] = r.synthetic;
  json k;
  k["release"] = r.release;
  k["machine"] = r.machine;
  k["boot_params"] = r.boot_params;
  k["profile"] = r.profile;
  json knobs;
  for (const auto& kn : mm::config_knobs()) knobs[std::string(kn.name)] = mm::knob_value(r.config, kn);
  k["config"] = knobs;
  k["probe"] = r.probe_json.empty() ? json::object() : json::parse(r.probe_json);
  j["kernel"] = k;
  // The scenarios last, one observation per line: small diffs on re-recording.
  j["scenarios"] = json::array();
  std::string head = j.dump(2);
  head.erase(head.rfind("[]"));  // "...\"scenarios\": " then the list below
  std::string t = head + "[";
  for (size_t i = 0; i < r.scenarios.size(); i++) {
    const auto& s = r.scenarios[i];
    t += fmt::format("{}\n    {{\"file\": {}, \"title\": {}, \"observations\": [", i ? "," : "", json(s.file).dump(),
                     json(s.title).dump());
    for (size_t k = 0; k < s.observations.size(); k++) {
      const auto& o = s.observations[k];
      json jo = {{"id", o.id}, {"line", o.line}, {"kind", o.kind}, {"text", o.text}, {"value", value_text(o.kind, o.value)}};
      t += fmt::format("{}\n      {}", k ? "," : "", jo.dump());
    }
    t += "]}";
  }
  return t + "\n  ]\n}\n";
}

bool write_recording(const std::string& path, const Recording& r, std::string& why) {
  if (std::string w = util::write_file_atomically(path, recording_json(r)); !w.empty()) {
    why = fmt::format("--record {}: cannot write the file: {}", path, w);
    return false;
  }
  return true;
}

Recording read_recording(const std::string& path) {
  util::ReadResult in = util::read_bounded(path, MAX_RECORDING_BYTES);
  switch (in.status) {
    case util::ReadStatus::Ok: return parse_recording(in.text, path);
    case util::ReadStatus::IsDirectory:
      throw std::runtime_error(fmt::format("{}: error: is a directory; give a recording written by --record", path));
    case util::ReadStatus::TooLarge:
      throw std::runtime_error(fmt::format("{}: error: larger than {}, the limit for recordings", path,
                                           util::size_words(MAX_RECORDING_BYTES)));
    case util::ReadStatus::CannotOpen:
    case util::ReadStatus::ReadError: break;
  }
  throw std::runtime_error(fmt::format("{}: error: cannot read the recording ({})", path, in.error));
}

Recording parse_recording(std::string_view text, const std::string& path) {
  if (util::json_nesting_depth(text, util::MAX_JSON_DEPTH) > util::MAX_JSON_DEPTH)
    throw std::runtime_error(fmt::format("{}: error: nested deeper than {} levels; not a recording", path,
                                         util::MAX_JSON_DEPTH));
  // No exceptions from the parser itself: a syntax error is a discarded value.
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::runtime_error(fmt::format("{}: error: not JSON", path));
  auto bad = [&](const std::string& what) { return std::runtime_error(fmt::format("{}: error: {}", path, what)); };
  try {
    if (j.value("schema_version", 0) != 1) throw bad("schema_version is not 1");
    Recording r;
    r.note = j.value("note", "");
    r.synthetic = j.value("synthetic", false);
    const json& k = j.at("kernel");
    r.release = k.at("release").get<std::string>();
    r.machine = k.value("machine", "");
    r.boot_params = k.value("boot_params", std::vector<std::string>{});
    r.profile = k.at("profile").get<std::string>();
    // The preset is the profile's first word; the recorded knobs go on top.
    const std::string preset = r.profile.substr(0, r.profile.find(' '));
    auto base = mm::config_preset(preset);
    if (!base) throw bad(fmt::format("profile '{}': unknown preset '{}'", r.profile, preset));
    r.config = *base;
    for (const auto& [name, v] : k.at("config").items())
      if (!mm::config_set_knob(r.config, name, v.get<bool>()))
        throw bad(fmt::format("knob '{}' no longer exists in the model; re-record or edit the recording", name));
    r.config.name = r.profile;
    if (k.contains("probe")) r.probe_json = k.at("probe").dump();
    for (const json& s : j.at("scenarios")) {
      RecordedScenario rs;
      rs.file = s.at("file").get<std::string>();
      rs.title = s.value("title", "");
      for (const json& o : s.at("observations")) {
        RecordedObs ro;
        ro.id = o.at("id").get<int>();
        ro.line = o.value("line", 0);
        ro.kind = o.at("kind").get<std::string>();
        kind_of(ro.kind, path);
        ro.text = o.at("text").get<std::string>();
        const std::string v = o.at("value").get<std::string>();
        ro.value = ro.kind == "pagemap" ? std::stoull(v, nullptr, 0) : static_cast<uint64_t>(std::stoll(v));
        rs.observations.push_back(ro);
      }
      r.scenarios.push_back(rs);
    }
    return r;
  } catch (const json::exception& e) {
    throw bad(fmt::format("malformed recording: {}", e.what()));
  } catch (const std::invalid_argument&) {
    throw bad("a value is not a number");
  } catch (const std::out_of_range&) {
    throw bad("a value is out of range");
  }
}

namespace {

// The scenario a recording names: relative to the current directory, or to
// a directory above the recording (tests/conformance/ -> the source tree).
std::string locate(const std::string& rel, const std::string& recording) {
  if (fs::exists(rel)) return rel;
  fs::path dir = fs::absolute(recording).parent_path();
  for (int i = 0; i < 6 && !dir.empty(); i++, dir = dir.parent_path())
    if (fs::exists(dir / rel)) return (dir / rel).string();
  return "";
}

}  // namespace

int replay_recorded(const std::vector<std::string>& files, const ReplayOptions& opt, std::ostream& out,
                    std::ostream& err) {
  const bool verbose = opt.verbose;
  int agree = 0, disagree = 0, stale = 0, scenarios = 0;
  bool bad_input = false, incomplete = false;
  using clock = std::chrono::steady_clock;
  auto last_progress = clock::now();
  for (const auto& file : files) {
    if (opt.progress) err << fmt::format("replay: recording {}\n", file) << std::flush;  // stderr: stdout unchanged
    Recording r;
    try {
      r = read_recording(file);
    } catch (const std::runtime_error& e) {
      err << e.what() << "\n";
      bad_input = true;
      continue;
    }
    out << fmt::format("recording {}: Linux {} {}, profile {}{}{}\n", file, r.release, r.machine, r.profile,
                       r.boot_params.empty() ? "" : ", boot " + [&] {
                         std::string s;
                         for (const auto& b : r.boot_params) s += (s.empty() ? "" : " ") + b;
                         return s;
                       }(),
                       r.synthetic ? " (synthetic: see its note)" : "");
    for (size_t si = 0; si < r.scenarios.size(); si++) {
      const RecordedScenario& rs = r.scenarios[si];
      if (opt.progress && clock::now() - last_progress >= std::chrono::seconds(2)) {
        last_progress = clock::now();
        err << fmt::format("replay: {}: {} of {} scenarios re-checked\n", file, si, r.scenarios.size()) << std::flush;
      }
      const std::string path = locate(rs.file, file);
      if (path.empty()) {
        out << fmt::format("stale     {}: the scenario no longer exists ({} observations not re-checked)\n", rs.file,
                           rs.observations.size());
        stale += static_cast<int>(rs.observations.size());
        continue;
      }
      Plan plan;
      try {
        plan = build_plan(scenario::load_scenario(path, opt.max_memory_mb), r.config, opt.max_memory_mb);
      } catch (const scenario::ScenarioError& e) {
        err << e.what() << "\n";
        bad_input = true;
        continue;
      } catch (const engine::MemoryBoundHit& e) {  // not re-checked: the model's side did not fit
        err << e.what() << "\n";
        incomplete = true;
        continue;
      }
      scenarios++;
      // Observations are matched by text and occurrence (robust to lines
      // moving); one without a counterpart is stale, reported and counted.
      std::map<std::string, std::vector<const Observation*>> by_text;
      for (const Observation& o : plan.observations) by_text[o.text].push_back(&o);
      std::map<std::string, size_t> used;
      ProgramOutput po;
      for (const auto& ro : rs.observations) {
        auto it = by_text.find(ro.text);
        size_t& n = used[ro.text];
        if (it == by_text.end() || n >= it->second.size() || obs_kind_name(it->second[n]->kind) != ro.kind) {
          out << fmt::format("stale     {}:{}: {}: no such observation in the scenario now; re-record\n", rs.file,
                             ro.line, ro.text);
          stale++;
          continue;
        }
        po.obs[it->second[n]->id] = ro.value;
        n++;
      }
      for (const Verdict& v : compare(plan, po)) {
        if (!v.printed) continue;  // new observations the recording predates
        if (verbose || !v.agree) out << verdict_line(rs.file, v) << "\n";
        (v.agree ? agree : disagree)++;
      }
    }
  }
  out << fmt::format("{} recordings, {} scenarios, {} stale observations\n", files.size(), scenarios, stale);
  out << fmt::format("{} agree, {} disagree\n", agree, disagree);
  if (bad_input) return 2;
  return disagree ? 1 : incomplete ? 3 : 0;
}

}  // namespace mmc::live
