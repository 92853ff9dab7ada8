// JSON output text that cannot throw on its content: a string that is not
// UTF-8 (a file name, a message quoting one) gets U+FFFD for the bad bytes
// instead of ending the run in nlohmann's type_error 316.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace mmc::util {

inline std::string json_text(const nlohmann::json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mmc::util
