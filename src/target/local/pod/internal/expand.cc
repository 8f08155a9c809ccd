#include "target/local/pod/internal/expand.h"

namespace capstan::target::local::internal {

std::string ExpandVariables(std::string_view input, const VariableLookup& lookup) {
  std::string out;
  out.reserve(input.size());
  size_t cursor = 0;
  while (cursor < input.size()) {
    char c = input[cursor];
    if (c != '$' || cursor + 1 == input.size()) {
      out += c;
      ++cursor;
      continue;
    }
    char next = input[cursor + 1];
    if (next == '$') {  // escaped operator
      out += '$';
      cursor += 2;
      continue;
    }
    if (next == '(') {
      size_t close = input.find(')', cursor + 2);
      if (close == std::string_view::npos) {  // incomplete reference: kept as written
        out += "$(";
        cursor += 2;
        continue;
      }
      std::string_view name = input.substr(cursor + 2, close - cursor - 2);
      std::optional<std::string> value = lookup(name);
      if (value) {
        out += *value;
      } else {
        out += "$(";
        out += name;
        out += ')';
      }
      cursor = close + 1;
      continue;
    }
    out += '$';  // "$x": the operator and the character both stay
    out += next;
    cursor += 2;
  }
  return out;
}

}  // namespace capstan::target::local::internal
