#include "model/config_requires.h"

namespace mm {

// Only combinations that change what the model does: a knob the model
// simply never consults in a config (swp_stable_writes_check_inverted on
// v5.14, whose do_swap_page has no such test) is allowed, so one `--set`
// can flip a patch across a suite of mixed configs.
const std::vector<KnobRequirement>& knob_requirements() {
  static const std::vector<KnobRequirement> table = {
      {"pte_swp_exclusive", "PG_anon_exclusive",
       "try_to_unmap_one sets the swp pte bit from PageAnonExclusive and do_swap_page restores it "
       "(\"mm/swap: remember PG_anon_exclusive via a swp pte bit\", v5.19, on top of \"mm: track anonymous pages as "
       "exclusive\")"},
      {"gup_unshare_on_ro_pin", "PG_anon_exclusive",
       "gup_must_unshare asks PageAnonExclusive whether a R/O pin must unshare (FAULT_FLAG_UNSHARE, v5.19)"},
  };
  return table;
}

static bool knob_value(const Config& cfg, std::string_view name) {
  for (const auto& k : config_knobs())
    if (k.name == name) return mm::knob_value(cfg, k);
  return false;
}

std::string config_contradiction(const Config& cfg) {
  for (const auto& r : knob_requirements())
    if (knob_value(cfg, r.knob) && !knob_value(cfg, r.needs))
      return std::string(r.knob) + "=1 needs " + std::string(r.needs) + "=1 (" + std::string(r.why) +
             "); no kernel has one without the other: also set +" + std::string(r.needs) + ", or drop " +
             std::string(r.knob);
  return "";
}

}  // namespace mm
