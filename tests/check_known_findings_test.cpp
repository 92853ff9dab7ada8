// Known kernel findings (checker/check/known_findings.h) match a violation
// only narrowly: start, invariant, facet, the fix knob off, and a trace
// carrying the finding's signature.  Anything else stays a violation.
#include <doctest/doctest.h>

#include "checker/check/known_findings.h"
#include "checker/check/starts.h"
#include "model/config.h"

using namespace mmc;
using mm::EventKind;

namespace {
const std::vector<EventKind> kSigned = {EventKind::WriteFault, EventKind::MadvFree, EventKind::MigrateUnmap,
                                        EventKind::ClearRefs, EventKind::WriteFault};
}

TEST_CASE("known finding K1 matches only its start, facet, signature and an unfixed config") {
  const mm::Config v618 = *mm::config_preset("v6.18");
  const auto* k = check::known_finding_for(v618, "migrate-1p", "pagemap_consistency", "soft-dirty-lost", kSigned);
  REQUIRE(k != nullptr);
  CHECK(k->id == "K1");
  // Another start, invariant or facet: not this finding.
  CHECK(check::known_finding_for(v618, "anon-1p", "pagemap_consistency", "soft-dirty-lost", kSigned) == nullptr);
  CHECK(check::known_finding_for(v618, "migrate-1p", "cow_isolation", "soft-dirty-lost", kSigned) == nullptr);
  CHECK(check::known_finding_for(v618, "migrate-1p", "pagemap_consistency", "frame", kSigned) == nullptr);
  // The same facet reached without a migration entry is a regression, not K1.
  const std::vector<EventKind> no_migration = {EventKind::WriteFault, EventKind::ClearRefs, EventKind::WriteFault};
  CHECK(check::known_finding_for(v618, "migrate-1p", "pagemap_consistency", "soft-dirty-lost", no_migration) ==
        nullptr);
  // With the proposed fix on, the finding no longer applies.
  mm::Config fixed = v618;
  REQUIRE(mm::config_set_knob(fixed, "migration_entry_wrprotect", true));
  CHECK(check::known_finding_for(fixed, "migrate-1p", "pagemap_consistency", "soft-dirty-lost", kSigned) == nullptr);
  CHECK(check::known_findings_of(fixed, "migrate-1p").empty());
  CHECK(check::known_findings_of(v618, "migrate-1p").size() == 1);
}

TEST_CASE("every known finding names a real start, a real knob and a non-empty signature") {
  for (const check::KnownFinding& k : check::known_findings()) {
    CAPTURE(k.id);
    CHECK(check::find_start(k.start) != nullptr);
    bool knob = false;
    for (const mm::KnobInfo& i : mm::config_knobs()) knob |= i.name == k.fix_knob;
    CHECK(knob);
    CHECK(!k.signature.empty());
    CHECK(!k.facets.empty());
  }
}
