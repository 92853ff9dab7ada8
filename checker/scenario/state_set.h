// A set of model states in first-reached order.  The scenario runner and
// the live-replay planner both run a script over such a set; the order is
// what makes their output deterministic.
#pragma once
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "model/state.h"

namespace mmc::scenario {

// A state's bytes: State has no padding, so equal bytes are equal states.
inline std::string_view state_bytes(const mm::State& s) {
  return {reinterpret_cast<const char*>(&s), sizeof(mm::State)};
}

class StateSet {
 public:
  // False when the state was already in the set.
  bool insert(const mm::State& s) {
    if (!seen_.insert(std::string(state_bytes(s))).second) return false;
    states_.push_back(s);
    return true;
  }
  const std::vector<mm::State>& states() const { return states_; }
  size_t size() const { return states_.size(); }

 private:
  std::vector<mm::State> states_;
  std::unordered_set<std::string> seen_;
};

}  // namespace mmc::scenario
