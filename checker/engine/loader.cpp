#include "checker/engine/loader.h"

namespace mmc::engine {

namespace {
ScenarioLoader& slot() {
  static ScenarioLoader loader;
  return loader;
}
}  // namespace

void set_scenario_loader(ScenarioLoader loader) { slot() = std::move(loader); }
const ScenarioLoader& scenario_loader() { return slot(); }

}  // namespace mmc::engine
