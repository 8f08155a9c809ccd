#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "rollout/analysis/internal/expr_lexer.h"

namespace capstan::rollout::analysis::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }

Error At(size_t offset, std::string_view message) {
  return Error::Invalid("column " + std::to_string(offset + 1) + ": " + std::string(message));
}

void AppendUtf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A quoted string starting at text[start] (the quote), with Go's escapes as expr-lang
// reads them; backquoted strings are raw. Sets `end` past the closing quote.
Result<std::string> LexString(std::string_view text, size_t start, size_t& end) {
  char quote = text[start];
  std::string out;
  size_t i = start + 1;
  while (true) {
    if (i >= text.size()) return At(start, "unterminated string");
    char c = text[i];
    if (c == quote) break;
    if (c == '\\' && quote != '`') {
      if (i + 1 >= text.size()) return At(start, "unterminated string");
      char e = text[i + 1];
      i += 2;
      switch (e) {
        case 'n':
          out += '\n';
          continue;
        case 't':
          out += '\t';
          continue;
        case 'r':
          out += '\r';
          continue;
        case 'a':
          out += '\a';
          continue;
        case 'b':
          out += '\b';
          continue;
        case 'f':
          out += '\f';
          continue;
        case 'v':
          out += '\v';
          continue;
        case '\\':
        case '"':
        case '\'':
        case '`':
          out += e;
          continue;
        case 'x':
        case 'u':
        case 'U': {
          size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + digits > text.size()) return At(i - 2, "invalid escape in string");
          uint32_t code = 0;
          for (size_t k = 0; k < digits; ++k) {
            char h = text[i + k];
            if (!IsHexDigit(h)) return At(i - 2, "invalid escape in string");
            code = code * 16 + static_cast<uint32_t>(IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          i += digits;
          if (e == 'x') {
            out += static_cast<char>(code);
          } else {
            if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
              return At(i - digits - 2, "invalid escape in string");
            }
            AppendUtf8(out, code);
          }
          continue;
        }
        default:
          return At(i - 2, std::string("unknown escape \\") + e + " in string");
      }
    }
    out += c;
    ++i;
  }
  end = i + 1;
  return out;
}

// A number starting at text[start]: decimal (with `_` separators, fraction, exponent) or
// 0x / 0o / 0b integers.
Result<Value> LexNumber(std::string_view text, size_t start, size_t& end) {
  size_t i = start;
  std::string digits;
  int base = 10;
  if (text[i] == '0' && i + 1 < text.size()) {
    char p = static_cast<char>(text[i + 1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      i += 2;
    }
  }
  bool is_float = false;
  auto digit_ok = [&](char c) {
    if (base == 16) return IsHexDigit(c);
    if (base == 10) return IsDigit(c);
    return c >= '0' && c < static_cast<char>('0' + base);
  };
  while (i < text.size() && (digit_ok(text[i]) || text[i] == '_')) {
    if (text[i] != '_') digits += text[i];
    ++i;
  }
  if (base == 10) {
    // A '.' followed by a digit is a fraction; `1.foo` or `1..2` are not.
    if (i + 1 < text.size() && text[i] == '.' && IsDigit(text[i + 1])) {
      is_float = true;
      digits += '.';
      ++i;
      while (i < text.size() && (IsDigit(text[i]) || text[i] == '_')) {
        if (text[i] != '_') digits += text[i];
        ++i;
      }
    } else if (i < text.size() && text[i] == '.' && digits.empty()) {
      return At(start, "invalid number");
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      size_t j = i + 1;
      if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
      if (j < text.size() && IsDigit(text[j])) {
        is_float = true;
        digits += 'e';
        digits.append(text.substr(i + 1, j - i - 1));
        i = j;
        while (i < text.size() && IsDigit(text[i])) digits += text[i++];
      }
    }
  }
  if (i < text.size() && IsIdentPart(text[i])) return At(start, "invalid number");
  end = i;
  if (digits.empty() || digits == ".") return At(start, "invalid number");
  if (is_float) {
    errno = 0;
    double d = std::strtod(digits.c_str(), nullptr);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
      return At(start, "number out of range");
    }
    return Value(d);
  }
  int64_t n = 0;
  auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), n, base);
  if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size()) {
    return At(start, "integer out of range: " + std::string(text.substr(start, i - start)));
  }
  return Value(n);
}

// Punctuation operators, longest first.
constexpr std::string_view kOperators[] = {
    "**", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "..", "(", ")", "[", "]", "{", "}",
    ",",  ".",  "?",  ":",  "#",  "!",  "<",  ">",  "+",  "-",  "*", "/", "%", "^", "|"};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token token;
    token.column = static_cast<uint32_t>(i + 1);
    size_t end = i;
    if (IsDigit(c) || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
      auto number = LexNumber(text, i, end);
      if (!number.ok()) return std::move(number).error();
      token.kind = TokenKind::kNumber;
      token.value = std::move(*number);
    } else if (c == '"' || c == '\'' || c == '`') {
      auto str = LexString(text, i, end);
      if (!str.ok()) return std::move(str).error();
      token.kind = TokenKind::kString;
      token.value = std::move(*str);
    } else if (IsIdentStart(c)) {
      end = i + 1;
      while (end < text.size() && IsIdentPart(text[end])) ++end;
      token.kind = TokenKind::kIdentifier;
    } else {
      for (std::string_view op : kOperators) {
        if (text.substr(i, op.size()) == op) {
          // `a?.5:1` is a ternary with a number, not optional chaining.
          if (op == "?." && i + 2 < text.size() && IsDigit(text[i + 2])) continue;
          end = i + op.size();
          break;
        }
      }
      if (end == i) {
        std::string shown =
            static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F
                ? "byte " + std::to_string(static_cast<unsigned char>(c))
                : std::string("\"") + c + "\"";
        return At(i, "unexpected " + shown);
      }
      token.kind = TokenKind::kOperator;
    }
    token.text = text.substr(i, end - i);
    tokens.push_back(std::move(token));
    i = end;
  }
  Token last;
  last.kind = TokenKind::kEnd;
  last.column = static_cast<uint32_t>(text.size() + 1);
  tokens.push_back(std::move(last));
  return tokens;
}

}  // namespace capstan::rollout::analysis::internal
