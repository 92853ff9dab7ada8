// Recorded observations (issue 10): the JSON round trip and the atomic write.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "checker/live/recording.h"

using namespace mmc;

TEST_CASE("live: a recording survives the JSON round trip, written atomically") {
  live::Recording r;
  r.note = "test";
  r.release = "6.18.44";
  r.machine = "x86_64";
  r.boot_params = {"pvm_no_zero_page=1"};
  r.profile = "v6.18 +mm_forbids_zeropage -CONFIG_MEM_SOFT_DIRTY";
  r.config = *mm::config_preset("v6.18");
  r.config.mm_forbids_zeropage = true;
  r.config.CONFIG_MEM_SOFT_DIRTY = false;
  r.scenarios.push_back({"scenarios/live/x.scenario", "t", {{1, 9, "pagemap", "A: pagemap p[0] after read", 0x81000000001843d2ull},
                                                             {2, 9, "mincore", "A: mincore p[0] after read", 1},
                                                             {3, 10, "lseek", "lseek f SEEK_DATA 0", static_cast<uint64_t>(-1)}}});
  const auto dir = std::filesystem::temp_directory_path() / "mmcheck-recording-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r.json").string();
  std::string why;
  REQUIRE(live::write_recording(path, r, why));
  for (const auto& e : std::filesystem::directory_iterator(dir)) CHECK(e.path().filename() == "r.json");  // no temp left
  const live::Recording back = live::read_recording(path);
  CHECK(back.profile == r.profile);
  CHECK(back.config.mm_forbids_zeropage);
  CHECK_FALSE(back.config.CONFIG_MEM_SOFT_DIRTY);
  CHECK(back.boot_params == r.boot_params);
  REQUIRE(back.scenarios.size() == 1);
  REQUIRE(back.scenarios[0].observations.size() == 3);
  CHECK(back.scenarios[0].observations[0].value == 0x81000000001843d2ull);
  CHECK(static_cast<int64_t>(back.scenarios[0].observations[2].value) == -1);
  CHECK(live::recording_json(back) == live::recording_json(r));
  // A write to a directory that does not exist fails and leaves nothing.
  CHECK_FALSE(live::write_recording((dir / "no" / "r.json").string(), r, why));
  CHECK(why.find("cannot write") != std::string::npos);
  std::ofstream(path) << "{\"schema_version\": 2}";
  CHECK_THROWS_WITH_AS(live::read_recording(path), doctest::Contains("schema_version is not 1"), std::runtime_error);
  std::filesystem::remove_all(dir);
}
