// Known kernel findings: violations `mmcheck check` finds in an unpatched
// kernel config, that are documented as candidate kernel bugs and not yet
// fixed upstream (docs/check.md "Known kernel findings").
//
// Why the check needs them: `check` answers a patch author's question "did
// my patch break mm?".  When the unpatched kernel already violates an
// invariant, every run would exit 1 and a regression would hide behind the
// old finding.  So a finding listed here is still found, printed with its
// trace and marked "known"; it does not fail the check unless --strict.
//
// A listed finding matches a violation only narrowly: the same start,
// invariant and facet, a config whose fix knob is off, and a shortest trace
// that contains every event kind of the finding's signature (the events
// without which the bug cannot happen).  A patch that breaks the same facet
// by another path gives a trace without the signature: a violation.
#pragma once
#include <string_view>
#include <vector>

#include "model/config.h"
#include "model/events.h"

namespace mmc::check {

struct KnownFinding {
  std::string_view id;         // "K1": stable, quoted in docs
  std::string_view start;      // the check start that finds it
  std::string_view invariant;
  std::vector<std::string_view> facets;       // the facets it violates
  std::vector<mm::EventKind> signature;       // every trace of it contains these event kinds
  std::string_view fix_knob;   // the knob modelling the proposed fix: the finding applies while it is off
  std::string_view what;       // one line: the bug
  std::string_view where;      // where it is documented
};

const std::vector<KnownFinding>& known_findings();

// The known finding that explains a violated facet of `start`, or nullptr.
// `trace_kinds`: the event kinds of the facet's shortest trace.
const KnownFinding* known_finding_for(const mm::Config& cfg, std::string_view start, std::string_view invariant,
                                      std::string_view facet, const std::vector<mm::EventKind>& trace_kinds);

// The known findings that apply to `start` under `cfg` (whether or not found).
std::vector<const KnownFinding*> known_findings_of(const mm::Config& cfg, std::string_view start);

}  // namespace mmc::check
