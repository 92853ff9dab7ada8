// libFuzzer target: the recordings reader behind `replay --recorded FILE`
// (checker/live/recording).  Anything it does not accept must be a
// std::runtime_error with a reason ("FILE: error: ..."), never another
// exception, a crash or a hang.  What it accepts must survive the writer:
// written out with recording_json and read back, it is the same recording
// (the file a later --record would write).
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "checker/live/recording.h"

using namespace mmc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  live::Recording r;
  try {
    r = live::parse_recording(text, "fuzz.json");
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("fuzz.json: error: ", 0) != 0) {
      std::fprintf(stderr, "a rejection without 'FILE: error:': %s\n", e.what());
      std::abort();
    }
    return 0;
  }
  const std::string once = live::recording_json(r);
  live::Recording back;
  try {
    back = live::parse_recording(once, "written.json");
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "the writer's output is not a recording: %s\n%s\n", e.what(), once.c_str());
    std::abort();
  }
  if (live::recording_json(back) != once) {
    std::fprintf(stderr, "a recording changed when written and read back:\n%s\n", once.c_str());
    std::abort();
  }
  return 0;
}
