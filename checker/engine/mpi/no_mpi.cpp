// explore --mpi in a binary built without MPI (MMCHECK_MPI=OFF): a clear
// error instead of a silent single-process run.
#include <stdexcept>

#include "checker/engine/mpi/distributed.h"

namespace mmc::engine {

bool mpi_built() { return false; }

bool mpi_ready(std::string& why) {
  why = "--mpi: this mmcheck was built without MPI; install libopenmpi-dev and openmpi-bin (scripts/deps does) "
        "and rebuild with -DMMCHECK_MPI=ON";
  return false;
}

Result explore_distributed(const Workload&, const Options&) {
  throw std::logic_error("explore_distributed called in a build without MPI");
}

int mpi_rank() { return 0; }

void mpi_start() {}

}  // namespace mmc::engine
