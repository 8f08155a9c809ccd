// The compiled form of a condition: a flat syntax tree the evaluator walks. Shared by the
// parser (expr_parse.cc), the evaluator (expr_eval.cc) and the built-in functions
// (expr_builtins.cc); not part of the module's interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/value.h"
#include "rollout/analysis/expr.h"

namespace capstan::rollout::analysis::internal {

enum class Op : uint8_t {
  kLiteral,   // literal
  kResult,    // the variable `result`
  kPointer,   // `#`: the element a predicate is looking at
  kMember,    // a.name (literal holds the name; optional: `?.`)
  kIndex,     // a[b]
  kArray,     // [args...]
  kNot,       // !a, not a
  kNegate,    // -a
  kPlus,      // +a
  kAnd,       // a && b
  kOr,        // a || b
  kEqual,     // a == b
  kNotEqual,  // a != b
  kLess,      // a < b
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kPower,       // a ** b, a ^ b
  kIn,          // a in b
  kContains,    // a contains b
  kStartsWith,  // a startsWith b
  kEndsWith,    // a endsWith b
  kCoalesce,    // a ?? b
  kTernary,     // a ? b : c
  kCall,        // function(args...)
};

enum class Builtin : uint8_t {
  kLen,
  kIsNaN,
  kIsInf,
  kIsNil,
  kDefault,
  kAsInt,
  kAsFloat,
  kInt,
  kFloat,
  kString,
  kAbs,
  kMin,
  kMax,
  kSum,
  kMean,
  // Predicate functions: args[1] is evaluated once per element with `#` bound to it.
  kAll,
  kAny,
  kNone,
  kOne,
  kFilter,
  kMap,
  kCount,
};

struct Node {
  Op op = Op::kLiteral;
  Builtin builtin = Builtin::kLen;  // kCall
  bool optional = false;            // kMember through `?.`
  uint32_t column = 1;              // 1-based, for messages
  int32_t a = -1, b = -1, c = -1;   // operands: node indices
  uint32_t args_begin = 0;          // kCall, kArray: first index in Program::args
  uint32_t args_count = 0;
  Value literal;  // kLiteral: the value; kMember: the field name (a string)
};

struct Program {
  std::string text;
  ExpressionLimits limits;
  std::vector<Node> nodes;
  std::vector<int32_t> args;
  int32_t root = -1;
};

// Parses `text` into a Program (expr_parse.cc).
Result<Program> ParseProgram(std::string_view text, const ExpressionLimits& limits);

}  // namespace capstan::rollout::analysis::internal
