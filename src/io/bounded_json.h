// JSON from files we do not trust (safetensors headers, checkpoint state): nesting bounded before
// parsing, and values quoted in error messages cut short. nlohmann's parser and destructor are
// iterative, but dump() recurses: a header of 300,000 nested arrays would overflow the stack as
// soon as an error message quoted it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace svertka::json_limits {

// Deeper than any header or state svertka writes (2-3 levels), far below what recursion survives.
inline constexpr int kMaxDepth = 64;
// Characters of a value an error message quotes.
inline constexpr size_t kMaxExcerpt = 200;

// The byte offset of the first '[' or '{' (outside strings) that opens level `max_depth` + 1, or
// nullopt if `text` nests no deeper than `max_depth`.
inline std::optional<size_t> too_deep_at(std::string_view text, int max_depth = kMaxDepth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// `json` (nested at most kMaxDepth deep) as text of at most kMaxExcerpt characters.
template <class Json>
std::string excerpt(const Json& json) {
  std::string text = json.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > kMaxExcerpt)
    text = text.substr(0, kMaxExcerpt) + "... (" + std::to_string(text.size()) + " characters)";
  return text;
}

}  // namespace svertka::json_limits
