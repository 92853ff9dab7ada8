// mmcheck prove: runs the Z3 proof obligations of proofs/ (see docs/proofs.md).
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#ifdef MM_HAVE_PROOFS
#include "proofs/obligation.h"
#endif

namespace mmc::cli {

#ifdef MM_HAVE_PROOFS
namespace {

struct ProveArgs {
  std::vector<std::string> names;
  bool list = false;
  bool verbose = false;
  bool no_time = false;
  bool deep = false;
  unsigned timeout_ms = 20000;
};

// NAME selects an obligation by its full name or a whole group by a prefix
// ("encoding" selects every "encoding.*").
bool selects(const std::string& pattern, const std::string& name) {
  return name == pattern || (name.size() > pattern.size() && name.compare(0, pattern.size(), pattern) == 0 &&
                             name[pattern.size()] == '.');
}

int run_prove(const ProveArgs& a) {
  const auto& all = mmproofs::obligations();
  if (a.list) {
    for (const auto& o : all)
      fmt::print("{:<44} {}{}\n", o.name, o.meaning,
                 o.expect == mmproofs::Expect::Refuted ? " [must be refuted]" : "");
    return EXIT_OK;
  }
  std::vector<const mmproofs::Obligation*> chosen;
  for (const std::string& n : a.names) {
    bool any = false;
    for (const auto& o : all) any |= selects(n, o.name);
    if (!any) {
      std::cerr << "mmcheck: error: no proof obligation named '" << n
                << "'; run 'mmcheck prove --list' for the names\n";
      return EXIT_BAD_INPUT;
    }
  }
  for (const auto& o : all) {
    bool want = a.names.empty();
    for (const std::string& n : a.names) want |= selects(n, o.name);
    if (want) chosen.push_back(&o);
  }
  mmproofs::ProofOptions opt;
  opt.timeout_ms = a.timeout_ms;
  opt.deep = a.deep;
  int ok = 0, failed = 0;
  for (const auto* o : chosen) {
    const auto t0 = std::chrono::steady_clock::now();
    mmproofs::ObligationResult r;
    try {
      r = o->run(opt);
    } catch (const std::exception& e) {  // z3::exception included: report, do not crash
      r.verdict = mmproofs::Verdict::Unknown;
      r.detail = {std::string("error: ") + e.what()};
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool want_refuted = o->expect == mmproofs::Expect::Refuted;
    std::string verdict;
    bool as_expected = false;
    switch (r.verdict) {
      case mmproofs::Verdict::Proved:
        verdict = "proved";
        as_expected = !want_refuted;
        if (want_refuted) r.detail.insert(r.detail.begin(), "expected a refutation, but the claim holds");
        break;
      case mmproofs::Verdict::Refuted:
        verdict = want_refuted ? "expected-refuted" : "refuted";
        as_expected = want_refuted;
        break;
      case mmproofs::Verdict::Unknown:
        verdict = "unknown";
        break;
    }
    (as_expected ? ok : failed)++;
    if (a.no_time) fmt::print("{:<17} {}\n", verdict, o->name);
    else fmt::print("{:<17} {:<44} {:7.3f}s\n", verdict, o->name, secs);
    if (a.verbose || r.verdict != mmproofs::Verdict::Proved || !as_expected)
      for (const std::string& line : r.detail) fmt::print("    {}\n", line);
    std::fflush(stdout);
  }
  fmt::print("{} proved, {} failed\n", ok, failed);
  return failed ? EXIT_VIOLATION : EXIT_OK;
}

}  // namespace

void register_prove_command(CLI::App& app) {
  auto args = std::make_shared<ProveArgs>();
  CLI::App* sub = app.add_subcommand(
      "prove",
      "run Z3 proof obligations (encoding lemmas, inductive invariants, BMC/BFS cross-checks); ends with "
      "'N proved, N failed'");
  sub->add_option("names", args->names, "obligations to run (full name or group prefix such as 'encoding'); all by default");
  sub->add_flag("--list", args->list, "list the obligations with one line of meaning each");
  sub->add_flag("-v,--verbose", args->verbose, "show every sub-claim, also for proved obligations");
  sub->add_flag("--no-time", args->no_time, "omit the per-obligation times (byte-identical output)");
  sub->add_flag("--deep", args->deep, "larger explicit bounds for the simulation checks (depth 8, minutes)");
  sub->add_option("--timeout", args->timeout_ms, "Z3 timeout per solver query, in milliseconds")
      ->transform(whole_number(1, 600000));
  add_command(app, sub, [args] { return run_prove(*args); });
}
#else
void register_prove_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("prove", "run Z3 proof obligations (not built: proofs/ is empty)");
  add_command(app, sub, [] {
    std::cerr << "mmcheck: prove: this build has no proofs (proofs/*.cpp missing)\n";
    return EXIT_SKIP;
  });
}
#endif

}  // namespace mmc::cli
