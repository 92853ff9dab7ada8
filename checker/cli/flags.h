// Flags every command validates the same way: whole numbers in a range
// (one message for all: "--threads: '0' is not a whole number between 1
// and 1024"), --threads, --progress, and "was --config given at all".
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "checker/engine/partial_order.h"

namespace mmc::cli {

// The most engine threads a command accepts (the machine has far fewer;
// more would only spawn idle threads).
inline constexpr long long MAX_THREADS = 1024;

// A whole number (decimal, optional '-') in [min, max]; anything else --
// "1.5", "x", "", a number that overflows -- is rejected before conversion.
// Attach with ->transform(), not ->check(): it hands the value on in
// canonical decimal, and CLI11 drops the changes of a ->check() validator.
CLI::Validator whole_number(long long min, long long max);
// The same for unsigned 64-bit options whose range reaches past LLONG_MAX.
CLI::Validator whole_number_u64(uint64_t min, uint64_t max = std::numeric_limits<uint64_t>::max());

// The range check itself, for tests and for values that do not come from CLI11.
// Empty when `text` is a whole number in [min, max], else the message.
std::string check_whole_number(const std::string& text, long long min, long long max);

// --config on every command: an empty value is an error, not "no --config".
CLI::Validator config_name();

// --set KNOB=0|1 on every command, one rule and one message.
CLI::Validator knob_setting();
// A --set value knob_setting() accepted, split: {"KNOB", true for =1}.
std::pair<std::string, bool> knob_of(const std::string& kv);

// A file path option (--json FILE, --html, --dot, -o, --record, --baseline,
// --recorded): an empty value is an error, not "no file".
CLI::Validator file_path();

// --work-dir DIR (kernel, replay): created when missing; a path that cannot
// be a directory is bad usage, not a filesystem exception.
CLI::Validator work_dir();

// --threads N (1..MAX_THREADS) on a command that runs the engine.
CLI::Option* add_threads_flag(CLI::App* sub, int& threads, const std::string& what);

// --max-memory-mb MB on every command that explores (run, regress, explore,
// check, simulate, replay): the bound on the whole process; -1 stays when
// it is not given (the default of checker/engine/memory.h).
CLI::Option* add_max_memory_flag(CLI::App* sub, long long& mb, const std::string& default_words = "");
// The largest --max-memory-mb: 2^43 MB (8 EiB) still fits bytes in 64 bits.
inline constexpr long long MAX_MEMORY_MB = 1ll << 43;

// --reduction / --no-reduction: partial-order reduction on or off; neither
// given means engine::kDefaultPartialOrder.  Giving both is an error.
struct ReductionFlags {
  bool on = false, off = false;
  engine::PartialOrder value() const {
    return on ? engine::PartialOrder::On : off ? engine::PartialOrder::Off : engine::kDefaultPartialOrder;
  }
};
void add_reduction_flags(CLI::App* sub, ReductionFlags& f, const std::string& what = "");

// Whether the progress line is wanted: --progress, or stderr is a terminal.
enum class ProgressFlag { Off, On };
ProgressFlag progress_wanted(bool flag_given);

// True when the option was given on the command line, also with an empty
// value (`--config ''` is an error, not "no --config").
bool given(const CLI::App* sub, const std::string& name);

}  // namespace mmc::cli
