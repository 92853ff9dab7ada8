#include "checker/cli/flags.h"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <utility>

#include "model/config.h"

namespace mmc::cli {

namespace {

// Parses an optional '-' and decimal digits; false on anything else or on
// overflow of the magnitude.
bool parse_whole(const std::string& v, bool& negative, uint64_t& magnitude) {
  size_t i = 0;
  negative = !v.empty() && v[0] == '-';
  if (negative || (!v.empty() && v[0] == '+')) i = 1;
  if (i == v.size()) return false;
  magnitude = 0;
  for (; i < v.size(); i++) {
    if (v[i] < '0' || v[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(v[i] - '0');
    if (magnitude > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    magnitude = magnitude * 10 + d;
  }
  return true;
}

std::string range_message(const std::string& v, const std::string& min, const std::string& max) {
  return "'" + v + "' is not a whole number between " + min + " and " + max;
}

}  // namespace

std::string check_whole_number(const std::string& v, long long min, long long max) {
  bool neg = false;
  uint64_t mag = 0;
  bool ok = parse_whole(v, neg, mag);
  if (ok) {
    // Every uint64 magnitude, with its sign, fits in 128 bits.
    __int128 x = neg ? -static_cast<__int128>(mag) : static_cast<__int128>(mag);
    ok = x >= min && x <= max;
  }
  return ok ? "" : range_message(v, std::to_string(min), std::to_string(max));
}

// A valid value is handed on in canonical decimal: CLI11 converts with
// strtoll's base 0, which would read "010" as octal 8 and "+5" through a
// different path than "5".
CLI::Validator whole_number(long long min, long long max) {
  return CLI::Validator(
      [min, max](std::string& v) {
        std::string why = check_whole_number(v, min, max);
        if (why.empty()) v = std::to_string(std::stoll(v, nullptr, 10));
        return why;
      },
      "INT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

CLI::Validator whole_number_u64(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& v) -> std::string {
        bool neg = false;
        uint64_t mag = 0;
        if (parse_whole(v, neg, mag) && (!neg || mag == 0) && mag >= min && mag <= max) {
          v = std::to_string(mag);  // canonical decimal, as whole_number
          return "";
        }
        return range_message(v, std::to_string(min), std::to_string(max));
      },
      "UINT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

CLI::Validator config_name() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        return v.empty() ? "unknown config ''; 'mmcheck configs' lists the presets" : "";
      },
      "");
}

namespace {
// "KNOB=0" or "KNOB=1" with a knob the model has, split; nullopt otherwise.
std::optional<std::pair<std::string, bool>> parse_knob_setting(const std::string& kv) {
  const size_t eq = kv.find('=');
  if (eq == std::string::npos) return std::nullopt;
  const std::string knob = kv.substr(0, eq), val = kv.substr(eq + 1);
  mm::Config probe;
  if ((val != "0" && val != "1") || !mm::config_set_knob(probe, knob, true)) return std::nullopt;
  return std::pair{knob, val == "1"};
}
}  // namespace

CLI::Validator knob_setting() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (parse_knob_setting(v)) return "";
        std::string knobs;
        for (const auto& k : mm::config_knobs()) knobs += (knobs.empty() ? "" : ", ") + std::string(k.name);
        return "'" + v + "' is not KNOB=0 or KNOB=1 with a knob from 'mmcheck configs' (knobs: " + knobs + ")";
      },
      "KNOB=0|1");
}

std::pair<std::string, bool> knob_of(const std::string& kv) {
  auto k = parse_knob_setting(kv);
  if (!k) throw std::logic_error("--set " + kv + " reached its command without knob_setting()");
  return *k;
}

CLI::Validator file_path() {
  return CLI::Validator(
      [](std::string& v) -> std::string { return v.empty() ? "an empty file name; give a path or leave the option out" : ""; },
      "");
}

CLI::Validator work_dir() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        std::error_code ec;
        if (v.empty()) return "give a directory";
        std::filesystem::create_directories(v, ec);
        if (!ec && !std::filesystem::is_directory(v, ec)) return "'" + v + "' is not a directory";
        if (ec) return "cannot create the directory '" + v + "': " + ec.message();
        return "";
      },
      "DIR");
}

CLI::Option* add_threads_flag(CLI::App* sub, int& threads, const std::string& what) {
  return sub->add_option("--threads,-j", threads, what)->transform(whole_number(1, MAX_THREADS));
}

CLI::Option* add_max_memory_flag(CLI::App* sub, long long& mb, const std::string& default_words) {
  return sub
      ->add_option("--max-memory-mb", mb,
                   "bound on the whole process's memory in MB; reaching it ends the run incomplete (exit 3) (default: " +
                       (default_words.empty() ? std::string("half the physical memory") : default_words) +
                       "; at most 3/4 of MemAvailable; any bound is cut to what free memory and swap, a cgroup memory limit and ulimit -v leave)")
      ->transform(whole_number(1, MAX_MEMORY_MB));
}

void add_reduction_flags(CLI::App* sub, ReductionFlags& f, const std::string& what) {
  const bool on_default = engine::kDefaultPartialOrder == engine::PartialOrder::On;
  const std::string scope = what.empty() ? "" : " (" + what + ")";
  CLI::Option* on = sub->add_flag("--reduction", f.on,
                                  std::string("partial-order reduction: persistent sets, fewer states, same verdicts") +
                                      scope + (on_default ? " (the default)" : ""));
  CLI::Option* off = sub->add_flag("--no-reduction", f.off,
                                   std::string("no partial-order reduction: every state expanded with all its events") +
                                       scope + (on_default ? "" : " (the default)"));
  on->excludes(off);
}

ProgressFlag progress_wanted(bool flag_given) {
  return flag_given || isatty(STDERR_FILENO) ? ProgressFlag::On : ProgressFlag::Off;
}

bool given(const CLI::App* sub, const std::string& name) { return sub->get_option(name)->count() > 0; }

}  // namespace mmc::cli
