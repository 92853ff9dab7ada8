// The distributed backend of explore(): the same breadth-first search over
// the ranks of an MPI job, with each rank storing only the states whose
// canonical key hashes to it (PReach / DiVinE style).  The answer (states,
// transitions, depth, verdicts, shortest traces, leak check, the JSON
// without `timing`) is the single-process one: see distributed.md in docs/.
//
// This header does not include <mpi.h>: the CLI calls it whether or not the
// binary was built with MPI (CMake option MMCHECK_MPI); without MPI,
// mpi_ready() says why --mpi cannot run.
#pragma once
#include <string>

#include "checker/engine/engine.h"

namespace mmc::engine {

// True when this binary has the MPI backend (MMCHECK_MPI=ON).
bool mpi_built();

// Whether --mpi can run here: built with MPI and started by an MPI launcher
// (mpirun / mpiexec / srun).  When not, `why` says what to do instead.
bool mpi_ready(std::string& why);

// What --mpi cannot do with these options, or "" (then it is supported).
// The CLI refuses such a run with this text (exit 2) before MPI starts;
// explore_distributed throws it as std::invalid_argument as a last guard.
// Supported: BFS, symmetry on or off, dead state forgotten or kept, the
// exact collapse store and --fingerprint (docs/distributed.md says why).
// A reduction or store added to Options must be listed here until the
// distributed search does it.
// A new field in Options (a reduction, a store) must be weighed here: say
// whether the distributed search does it, refuse it above if not, update
// docs/distributed.md, then this size.  Partial-order reduction is not
// distributed (its BFS proviso asks the store for ids other ranks own):
// refused unless off.
static_assert(sizeof(Options) == 80, "engine::Options changed: decide in mpi_unsupported() whether --mpi supports it");
inline std::string mpi_unsupported(const Options& opt) {
  if (opt.search != Search::Bfs) return "--mpi searches breadth-first only; drop --dfs";
  if (opt.threads > 1) return "--mpi runs one thread per rank; start more ranks (mpirun -np) instead of --threads";
  if (opt.bitstate_mb > 0)
    return "--mpi does not combine with --bitstate: bitstate search is depth-first and keeps no ids for traces; "
           "use --fingerprint for a compact store over the ranks";
  if (opt.partial_order != PartialOrder::Off)
    return "--mpi does not do partial-order reduction yet (its cycle proviso needs other ranks' store ids); "
           "add --no-reduction";
  return "";
}

// Every rank of MPI_COMM_WORLD calls this with the same workload and
// options; each gets the same Result (timing apart).  Options::search must
// be Bfs.  Throws std::invalid_argument (on every rank, before any message)
// for a malformed workload, like explore().  Initialises MPI on first use
// and finalises it at exit.
Result explore_distributed(const Workload& w, const Options& opt);

// Initialise MPI now (explore_distributed does it on first use; a command
// that must know its rank before exploring calls this first).
void mpi_start();

// This process's rank (0 before MPI is initialised or without MPI): only
// rank 0 prints the report.
int mpi_rank();

// Where an exploration runs: this process, or every rank of the MPI job
// (then every rank calls it alike).
enum class Distribution { OneProcess, Mpi };
inline Result explore_on(const Workload& w, const Options& opt, Distribution d) {
  return d == Distribution::Mpi ? explore_distributed(w, opt) : explore(w, opt);
}

}  // namespace mmc::engine
