// Knob combinations no kernel has are named (model/config_requires.h);
// every preset is a kernel.
#include <doctest/doctest.h>

#include "model/config.h"
#include "model/config_requires.h"
#include "model/lru_knobs.h"

using namespace mm;

TEST_CASE("every preset is a kernel; a knob without the code it sits on is not") {
  for (const auto& p : config_presets()) CHECK_MESSAGE(config_contradiction(*config_preset(p.name)) == "", p.name);
  Config c = *config_preset("v5.14");
  c.pte_swp_exclusive = true;
  CHECK(config_contradiction(c).rfind("pte_swp_exclusive=1 needs PG_anon_exclusive=1", 0) == 0);
  c.PG_anon_exclusive = true;
  CHECK(config_contradiction(c) == "");
  Config d;  // v6.18
  d.PG_anon_exclusive = false;
  CHECK(config_contradiction(d) != "");  // pte_swp_exclusive and gup_unshare_on_ro_pin stay on
  // Every name in the table is a knob.
  for (const auto& r : knob_requirements()) {
    Config x;
    CHECK(config_set_knob(x, r.knob, true));
    CHECK(config_set_knob(x, r.needs, true));
  }
}

TEST_CASE("a knob as data is set, read and compared like a field knob") {
  Config a, b;
  CHECK(a == b);
  CHECK_FALSE(lru_batch_other_cpu(a));
  REQUIRE(config_set_knob(a, "lru_batch_other_cpu", true));
  CHECK(lru_batch_other_cpu(a));
  CHECK_FALSE(a == b);  // the knob is part of the config's value
  for (const auto& k : config_knobs())
    if (k.name == "lru_batch_other_cpu") {
      CHECK(k.field == nullptr);
      CHECK(knob_value(a, k));
      CHECK_FALSE(knob_value(b, k));
    }
  REQUIRE(config_set_knob(a, "lru_batch_other_cpu", false));
  CHECK(a == b);
}
