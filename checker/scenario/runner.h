// Running a scenario: the script as a set of reachable states, the
// expectations evaluated herd7-style over that set, and the explore block
// handed to the engine.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/engine/engine.h"
#include "checker/engine/mpi/distributed.h"
#include "checker/engine/workload.h"
#include "checker/scenario/ast.h"
#include "model/config.h"
#include "model/describe.h"
#include "model/state.h"

namespace mmc::scenario {

// Whether explore blocks print the engine's progress line on stderr.
enum class Progress { Off, Stderr };

struct RunOptions {
  // `--config PRESET[+KNOB|-KNOB...]`: run under this config instead of the file's.
  std::optional<ConfigSpec> override_config;
  // `--set KNOB=V`: on top of every config, name unchanged (like the file's `set`).
  std::vector<std::pair<std::string, bool>> sets;
  int threads = 1;
  Progress progress = Progress::Off;
  size_t max_script_states = 100000;  // bound on one step's set of states
  // `--max-memory-mb`: the bound on the whole process (script sets, explore
  // conditions, the engine); nullopt: the default (checker/engine/memory.h).
  std::optional<uint64_t> max_memory_mb;
  // `run --mpi`: explore blocks over the ranks of an MPI job (same results).
  engine::Distribution distribution = engine::Distribution::OneProcess;
  // `--no-reduction`: explore blocks without partial-order reduction.
  engine::PartialOrder partial_order = engine::kDefaultPartialOrder;
};

// A config the scenario runs under, with the name expectations use in `under`.
struct NamedConfig {
  std::string name;
  mm::Config config;
};

// The configs a scenario runs under (file order, or the override).
// Throws ScenarioError for an unknown preset or knob in an override.
std::vector<NamedConfig> scenario_configs(const Scenario& s, const RunOptions& opt);
// Parses a `--config` value such as "v6.18" or "v6.18+CONFIG_PTE_MARKER_PAGEOUT-pte_swp_exclusive".
// Throws ScenarioError (file "--config").
ConfigSpec parse_config_option(const std::string& text);

// What a failed expectation shows: one state that contradicts it,
// described, and the path from the start of the script to it (each
// scripted step and background event, with its decisions and changes).
struct ObservationFailure {
  std::vector<std::string> witness;
  engine::Trace path;
  mm::DisplayNames names;
};

struct ObservationResult {
  std::string name;
  std::string text;  // the observation as written, canonical
  Quant expected = Quant::Always;
  uint64_t pos = 0, neg = 0;  // states where the observation holds / does not
  Quant actual() const;       // Always (neg == 0), Never (pos == 0), else Sometimes
  bool ok() const;
  Loc loc;
  // A failed expectation only, so that the hundreds of thousands that pass
  // in a generated script cost a pointer each.
  std::shared_ptr<const ObservationFailure> failure;
};

struct CheckResult {
  std::string invariant;
  bool expect_holds = true;
  std::string verdict;  // "holds", "violated", "incomplete"
  bool ok() const;
  std::string explanation;            // violated: what is wrong in the last state
  std::vector<std::string> trace;     // violated: shortest trace, one line per step, decision and change
  size_t trace_length = 0;
  std::optional<engine::Trace> steps;  // violated: the same trace, structured (events, decisions, changes)
  mm::DisplayNames names;              // the scenario's names for it
  std::vector<std::string> bounds_hit;
  Loc loc;
};

// A herd7-style condition over the states an explore block reaches.
struct ConditionResult {
  std::string name;  // `as NAME`, else the text
  std::string text;  // "exists A: read p[0] == 2 /\ ..."
  bool named() const { return name != text; }
  CondQuant quant = CondQuant::Exists;
  Loc loc;
  uint64_t pos = 0, neg = 0;  // reachable states where the expression holds / does not
  bool complete = true;       // every reachable state was visited
  std::vector<std::string> bounds_hit;
  Quant actual() const;       // Always (neg == 0), Never (pos == 0), else Sometimes
  bool validated() const;     // exists: pos > 0; forall: neg == 0; ~exists: pos == 0
  bool ok() const;            // validated, and decided (complete, or a witness settles it)
  std::string verdict() const;  // "validated", "not validated", "incomplete"
  // The shortest path to a state where the expression holds (exists,
  // ~exists) or fails (forall), when there is one.
  std::optional<engine::Trace> witness;
  bool witness_holds = true;        // the expression holds in the witness's last state
  std::vector<std::string> witness_lines;  // the witness as text, one line per step and change
};

struct ConfigRun {
  std::string config;
  uint64_t script_states = 0;    // distinct states the script went through
  uint64_t explored_states = 0;  // states the explore block stored
  uint64_t explored_transitions = 0;
  int explored_depth = 0;        // deepest level the exploration reached
  bool explored = false;
  std::vector<ObservationResult> observations;
  std::vector<CheckResult> checks;
  std::vector<std::string> proc_names, device_names;  // the explore block's display names
  std::vector<ConditionResult> conditions;
  bool ok() const;
};

// An expectation or check written `under` a config that no run used
// (`--config` replaced the file's configs): reported, never silently dropped.
struct SkippedItem {
  std::string what;   // "expectation NAME" / "check INVARIANT"
  std::string under;  // the config it is written for
  Loc loc;
};

struct ScenarioRun {
  std::vector<ConfigRun> configs;
  std::vector<SkippedItem> skipped;
  // The memory bound stopped the run before its end: where and why
  // ("FILE:LINE:COL: incomplete: memory bound hit: ..."); `configs` holds
  // what was reached (the last one cut short, later ones not run).
  std::string stopped;
  bool ok() const;  // false when stopped
  uint64_t states() const;
};

// The slot each process name is bound to, and the start page of each mapping.
struct Bindings {
  std::vector<std::string> proc_names;  // index = process slot
  std::vector<std::string> device_names;
};

// The script up to the explore block (or to the end), as the set of states
// it can reach, plus the engine workload that explores from there.
// Throws ScenarioError for a step impossible in every state.
engine::Workload build_workload(const Scenario& s, const NamedConfig& cfg, const RunOptions& opt);

// The script's items run once, in order, nothing explored (the HTML page's
// script view draws each step's change): `after(k, states)` sees the states
// after the first k items (k = 0: the setup) and stops the walk by
// returning false.  Returns the names the script gave its processes and
// swap devices (page names left empty).  Throws as build_workload does.
mm::DisplayNames walk_script(const Scenario& s, const NamedConfig& cfg, const RunOptions& opt,
                             const std::function<bool(size_t, const std::vector<mm::State>&)>& after);

// Everything: script, expectations, explore and checks, under every config.
// Throws ScenarioError for an impossible step or an engine error.
ScenarioRun run_scenario(const Scenario& s, const RunOptions& opt);

}  // namespace mmc::scenario
