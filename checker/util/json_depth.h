// How deeply a JSON text nests arrays and objects, found by one linear scan
// before parsing.  The readers of files mmcheck wrote itself (recordings,
// results) refuse a text nested deeper than any such file is: nlohmann's
// ordered_json overflows the stack on a few hundred thousand levels (a
// 400 KB recording of '[' and ']' crashed `replay --recorded`).
#pragma once
#include <cstddef>
#include <string_view>

namespace mmc::util {

// The deepest level of [ and { outside strings; stops counting once past `stop`.
inline size_t json_nesting_depth(std::string_view text, size_t stop) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > stop) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

// Deeper than any file mmcheck writes (recordings and results nest 6 levels).
inline constexpr size_t MAX_JSON_DEPTH = 64;

}  // namespace mmc::util
