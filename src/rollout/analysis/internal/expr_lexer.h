// Tokens of the condition language (expr_lex.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::rollout::analysis::internal {

enum class TokenKind : uint8_t {
  kNumber,      // value holds an int or a float
  kString,      // value holds the unescaped string
  kIdentifier,  // text: names and word operators (and, or, not, in, contains, ...)
  kOperator,    // text: punctuation ( ) [ ] { } , . ?. ? : # ! == != < <= > >= + - * / % ** ^ && ||
                // ??
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // points into the source
  Value value;            // kNumber, kString
  uint32_t column = 1;    // 1-based byte column of the first character
};

// Splits `text` into tokens ending with kEnd. Errors name the column:
// `column 5: unterminated string`.
Result<std::vector<Token>> Tokenize(std::string_view text);

}  // namespace capstan::rollout::analysis::internal
