// One libFuzzer harness for every JSON file mmcheck reads back.  A reader
// is a function `bool read(std::string_view text, nlohmann::json& out,
// std::string& why)`: false with a reason for anything it does not accept,
// never an exception, a crash or a hang.  After a successful read the
// harness runs `use(out)`, the code that consumes the value (for results:
// the --baseline comparison), which must not throw either.
//
// Hook for further readers (e.g. `replay --recorded FILE.json`): write
// tests/fuzz/fuzz_<name>.cpp as
//     #include "tests/fuzz/json_reader_target.h"
//     MMCHECK_JSON_FUZZ_TARGET(my_reader, [](const nlohmann::json& j) { consume(j); })
// put seed files under tests/fuzz/seeds/<name>/ and add <name> to
// MMCHECK_FUZZ_TARGETS in tests/fuzz/CMakeLists.txt; scripts/fuzz and ctest
// pick it up.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#define MMCHECK_JSON_FUZZ_TARGET(reader, use)                                  \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {    \
    std::string_view text(reinterpret_cast<const char*>(data), size);          \
    nlohmann::json j;                                                          \
    std::string why;                                                           \
    if (reader(text, j, why)) use(j);                                          \
    return 0;                                                                  \
  }
