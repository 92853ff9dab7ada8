// Built-in workloads: fixed explorations usable before (and beside)
// scenario files, and the reference set `mmcheck bench` measures.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/engine/workload.h"

namespace mmc::workloads {

struct WorkloadInfo {
  std::string_view name;
  std::string_view description;
  bool bench;  // part of `mmcheck bench`
};

const std::vector<WorkloadInfo>& builtin_workloads();

// The workload under `cfg`; nullopt for an unknown name.
std::optional<engine::Workload> make_workload(std::string_view name, const mm::Config& cfg);

}  // namespace mmc::workloads
