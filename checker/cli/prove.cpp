// mmcheck prove.
#include "checker/cli/commands.h"

namespace mmc::cli {
void register_prove_command(CLI::App&) {}
}  // namespace mmc::cli
