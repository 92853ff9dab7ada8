// A hook through which `mmcheck explore FILE` / `simulate FILE` obtain a
// Workload from a scenario file, without the engine knowing the language.
// The scenario commands register a loader at start-up (before parsing).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "checker/engine/workload.h"

namespace mmc::engine {

// Returns the workload of `file` (with `config_override` applied when
// non-null), or nullopt after printing "FILE:LINE:COL: error: ..." to stderr.
// The script runs within `max_memory_mb` (--max-memory-mb; nullopt: the
// default); reaching it throws MemoryBoundHit (checker/engine/memory.h).
using ScenarioLoader = std::function<std::optional<Workload>(const std::string& file, const mm::Config* config_override,
                                                             std::optional<uint64_t> max_memory_mb)>;

void set_scenario_loader(ScenarioLoader loader);
const ScenarioLoader& scenario_loader();  // empty when none is registered

}  // namespace mmc::engine
