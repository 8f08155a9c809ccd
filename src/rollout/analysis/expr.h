// The condition language of AnalysisTemplates: `successCondition` and `failureCondition`.
//
// Argo Rollouts evaluates conditions with expr-lang (Go). capstan reads the same
// expressions with its own small, bounded implementation of the part of expr-lang that
// conditions use (docs/analysis.md lists it; docs/decisions/0010-analysis-expressions.md
// says why). In short:
//   result                       the measurement: number, string, bool, nil, array, map
//   result[0]  result[-1]        indexing (negative counts from the end)
//   result.ok  result["ok"]      map fields (a missing field is nil)  result?.ok
//   + - * / % **                 arithmetic (`/` is always floating point, `%` integers)
//   == != < <= > >=              comparisons (chains: 0 < result < 1)
//   && || !  and or not          logic, short-circuit
//   in  contains  startsWith  endsWith   membership and string tests (`not in` ...)
//   a ?? b   c ? a : b           nil-coalescing, conditional
//   "str" 'str' `raw` 1 2.5 1e3 0x1F 1_000 true false nil [1, 2]   literals
//   len isNaN isInf isNil default asInt asFloat int float string abs min max sum mean
//   all any none one filter map count   e.g. all(result, # < 1000), any(result, {.ok})
// Operator precedence is expr-lang's (`!` binds tighter than comparisons, looser than `*`).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace capstan::rollout::analysis {

namespace internal {
struct Program;
}  // namespace internal

// Tunables of Compile. The defaults allow any condition a person writes by hand.
struct ExpressionLimits {
  // Longest expression text accepted, in bytes. Default 4 KiB (real conditions are under
  // 200 bytes); longer text is refused before parsing.
  size_t max_bytes = 4096;
  // Deepest nesting of the syntax tree (parentheses, operators, calls). Default 64; parsing
  // and evaluation recurse this deep, so it bounds stack use.
  size_t max_depth = 64;
  // Evaluation steps (nodes visited, predicate iterations) one Evaluate may take before it
  // stops with an error. Default 1,000,000: about 10 ms; `all(result, ...)` over a
  // 100,000-sample range query fits.
  size_t max_steps = 1'000'000;
};

// A compiled condition: parse once, evaluate many times. Copies share the immutable
// compiled program. Thread-safe: Evaluate is const and touches no shared mutable state.
class Expression {
 public:
  // Parses `text`. Errors (Invalid) give the 1-based column and what was expected:
  //   `column 12: unexpected ")"`, `column 1: unknown name "reslt"`.
  static Result<Expression> Compile(std::string_view text, const ExpressionLimits& limits = {});

  // Evaluates with `result` bound to the measurement. Errors (Invalid) give the column of
  // the failing operation: `column 7: index out of range: 0 (array length is 0)`.
  // `result` must outlive the call only; the returned Value is a copy.
  Result<Value> Evaluate(const Value& result) const;

  // Evaluate, requiring a bool: the form successCondition and failureCondition take.
  // Error when the expression yields anything else ("expected bool, but got float").
  Result<bool> EvaluateBool(const Value& result) const;

  // The source text, as given to Compile.
  const std::string& text() const;

 private:
  explicit Expression(std::shared_ptr<const internal::Program> program)
      : program_(std::move(program)) {}
  std::shared_ptr<const internal::Program> program_;
};

// The name of a value's type in messages: nil, bool, int, float, string, array, map.
std::string_view ExpressionTypeName(const Value& value);

}  // namespace capstan::rollout::analysis
