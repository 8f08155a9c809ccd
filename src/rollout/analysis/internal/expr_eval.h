// The evaluator's working values and context (expr_eval.cc, expr_builtins.cc).
//
// An Operand is a scalar held by value, or a string, array or map borrowed from the
// measurement or the program (no copy), or one the expression built itself (kept alive by
// `owned`). Evaluating `result[0] >= 0.95` therefore allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/value.h"
#include "rollout/analysis/internal/expr_program.h"

namespace capstan::rollout::analysis::internal {

struct Operand {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString, kArray, kMap };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  const std::string* s = nullptr;      // kString
  const Value* v = nullptr;            // kArray, kMap
  std::shared_ptr<const Value> owned;  // keeps s or v alive when the expression built them

  static Operand Bool(bool value) {
    Operand o;
    o.kind = Kind::kBool;
    o.b = value;
    return o;
  }
  static Operand Int(int64_t value) {
    Operand o;
    o.kind = Kind::kInt;
    o.i = value;
    return o;
  }
  static Operand Float(double value) {
    Operand o;
    o.kind = Kind::kFloat;
    o.f = value;
    return o;
  }
  // Borrows `value` (which must outlive the Operand) or, with `keep`, shares its owner.
  static Operand Of(const Value& value, std::shared_ptr<const Value> keep = nullptr);
  // Takes ownership of a value built during evaluation.
  static Operand Own(Value value);

  bool is_number() const { return kind == Kind::kInt || kind == Kind::kFloat; }
  double number() const { return kind == Kind::kInt ? static_cast<double>(i) : f; }
  Value ToValue() const;
};

std::string_view KindName(Operand::Kind kind);

// Whether two operands are equal as expr-lang decides: numbers by value (1 == 1.0), other
// kinds only with their own kind, arrays and maps element by element.
bool OperandsEqual(const Operand& a, const Operand& b);

class Evaluator {
 public:
  Evaluator(const Program& program, const Value& result) : program_(program), result_(result) {}

  // Evaluates node `index` into `out`; false on error (see error()).
  bool Eval(int32_t index, Operand& out);

  const std::string& error() const { return error_; }
  // Whether the error was a failed lookup (missing index, field of nil): default() falls
  // back on those.
  bool lookup_error() const { return lookup_error_; }
  void ClearError() {
    error_.clear();
    lookup_error_ = false;
  }

  // Records an error at `node`; returns false for `return Fail(...)`.
  bool Fail(const Node& node, const std::string& message, bool lookup = false);
  // Counts one step against the limit; false (with the error set) when exceeded.
  bool Step(const Node& node);
  // Counts copying `operand` (its nodes, when it is an array or map) against the same
  // limit, so that `map(result, result)` cannot build a quadratic amount of data.
  bool ChargeCopy(const Node& node, const Operand& operand);

  const Program& program() const { return program_; }

 private:
  friend bool CallBuiltin(Evaluator& ev, const Node& node, Operand& out);
  bool EvalBinary(const Node& node, Operand& out);
  bool EvalArithmetic(const Node& node, const Operand& a, const Operand& b, Operand& out);
  bool EvalIndex(const Node& node, const Operand& target, const Operand& index, Operand& out);
  bool EvalMember(const Node& node, const Operand& target, Operand& out);

  const Program& program_;
  const Value& result_;
  std::vector<Operand> pointers_;  // `#` of the enclosing predicates, innermost last
  size_t steps_ = 0;
  std::string error_;
  bool lookup_error_ = false;
};

// Calls the built-in function of a kCall node (expr_builtins.cc).
bool CallBuiltin(Evaluator& ev, const Node& node, Operand& out);

}  // namespace capstan::rollout::analysis::internal
