// Tree-walking evaluation. Type rules follow expr-lang as Argo Rollouts runs it: numbers
// compare across int and float, `/` is floating point, `%` needs integers, `&&` and `||`
// need bools and short-circuit, a missing map field is nil, an index past the end is an
// error ("index out of range: 0 (array length is 0)").
#include "rollout/analysis/internal/expr_eval.h"

#include <cmath>
#include <string>

#include "rollout/analysis/expr.h"

namespace capstan::rollout::analysis {
namespace internal {
namespace {

std::string Mismatch(std::string_view op, const Operand& a, const Operand& b) {
  return "invalid operation: " + std::string(op) + " (mismatched types " +
         std::string(KindName(a.kind)) + " and " + std::string(KindName(b.kind)) + ")";
}

std::string_view OpText(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSubtract:
      return "-";
    case Op::kMultiply:
      return "*";
    case Op::kDivide:
      return "/";
    case Op::kModulo:
      return "%";
    case Op::kPower:
      return "**";
    case Op::kLess:
      return "<";
    case Op::kLessEqual:
      return "<=";
    case Op::kGreater:
      return ">";
    case Op::kGreaterEqual:
      return ">=";
    case Op::kIn:
      return "in";
    case Op::kContains:
      return "contains";
    case Op::kStartsWith:
      return "startsWith";
    case Op::kEndsWith:
      return "endsWith";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    default:
      return "?";
  }
}

// A printable form of an index or field for "cannot fetch X from T".
std::string Shown(const Operand& key) {
  switch (key.kind) {
    case Operand::Kind::kString:
      return *key.s;
    case Operand::Kind::kInt:
      return std::to_string(key.i);
    case Operand::Kind::kFloat:
      return std::to_string(key.f);
    case Operand::Kind::kBool:
      return key.b ? "true" : "false";
    default:
      return std::string(KindName(key.kind));
  }
}

}  // namespace

Operand Operand::Of(const Value& value, std::shared_ptr<const Value> keep) {
  Operand o;
  switch (value.type()) {
    case Value::Type::kNull:
      break;
    case Value::Type::kBool:
      o.kind = Kind::kBool;
      o.b = value.as_bool();
      break;
    case Value::Type::kInt:
      o.kind = Kind::kInt;
      o.i = value.as_int();
      break;
    case Value::Type::kDouble:
      o.kind = Kind::kFloat;
      o.f = value.as_double();
      break;
    case Value::Type::kString:
      o.kind = Kind::kString;
      o.s = &value.as_string();
      o.owned = std::move(keep);
      break;
    case Value::Type::kArray:
      o.kind = Kind::kArray;
      o.v = &value;
      o.owned = std::move(keep);
      break;
    case Value::Type::kObject:
      o.kind = Kind::kMap;
      o.v = &value;
      o.owned = std::move(keep);
      break;
  }
  return o;
}

Operand Operand::Own(Value value) {
  auto owned = std::make_shared<const Value>(std::move(value));
  const Value& ref = *owned;
  return Of(ref, std::move(owned));
}

Value Operand::ToValue() const {
  switch (kind) {
    case Kind::kNull:
      return Value();
    case Kind::kBool:
      return Value(b);
    case Kind::kInt:
      return Value(i);
    case Kind::kFloat:
      return Value(f);
    case Kind::kString:
      return Value(*s);
    case Kind::kArray:
    case Kind::kMap:
      return *v;
  }
  return Value();
}

std::string_view KindName(Operand::Kind kind) {
  switch (kind) {
    case Operand::Kind::kNull:
      return "nil";
    case Operand::Kind::kBool:
      return "bool";
    case Operand::Kind::kInt:
      return "int";
    case Operand::Kind::kFloat:
      return "float";
    case Operand::Kind::kString:
      return "string";
    case Operand::Kind::kArray:
      return "array";
    case Operand::Kind::kMap:
      return "map";
  }
  return "?";
}

bool OperandsEqual(const Operand& a, const Operand& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind == Operand::Kind::kInt && b.kind == Operand::Kind::kInt) return a.i == b.i;
    return a.number() == b.number();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Operand::Kind::kNull:
      return true;
    case Operand::Kind::kBool:
      return a.b == b.b;
    case Operand::Kind::kString:
      return *a.s == *b.s;
    case Operand::Kind::kArray:
    case Operand::Kind::kMap:
      return *a.v == *b.v;
    default:
      return false;
  }
}

bool Evaluator::Fail(const Node& node, const std::string& message, bool lookup) {
  if (error_.empty()) {
    error_ = "column " + std::to_string(node.column) + ": " + message;
    lookup_error_ = lookup;
  }
  return false;
}

bool Evaluator::Step(const Node& node) {
  if (++steps_ <= program_.limits.max_steps) return true;
  return Fail(node,
              "evaluation took more than " + std::to_string(program_.limits.max_steps) + " steps");
}

bool Evaluator::ChargeCopy(const Node& node, const Operand& operand) {
  if (operand.kind != Operand::Kind::kArray && operand.kind != Operand::Kind::kMap) return true;
  steps_ += operand.v->NodeCount();
  return Step(node);
}

bool Evaluator::Eval(int32_t index, Operand& out) {
  const Node& node = program_.nodes[static_cast<size_t>(index)];
  if (!Step(node)) return false;
  switch (node.op) {
    case Op::kLiteral:
      out = Operand::Of(node.literal);
      return true;
    case Op::kResult:
      out = Operand::Of(result_);
      return true;
    case Op::kPointer:
      out = pointers_.back();
      return true;
    case Op::kMember: {
      Operand target;
      if (!Eval(node.a, target)) return false;
      return EvalMember(node, target, out);
    }
    case Op::kIndex: {
      Operand target;
      Operand key;
      if (!Eval(node.a, target) || !Eval(node.b, key)) return false;
      return EvalIndex(node, target, key, out);
    }
    case Op::kArray: {
      Value::Array items;
      items.reserve(node.args_count);
      for (uint32_t k = 0; k < node.args_count; ++k) {
        Operand item;
        if (!Eval(program_.args[node.args_begin + k], item) || !ChargeCopy(node, item))
          return false;
        items.push_back(item.ToValue());
      }
      out = Operand::Own(Value(std::move(items)));
      return true;
    }
    case Op::kNot: {
      Operand a;
      if (!Eval(node.a, a)) return false;
      if (a.kind != Operand::Kind::kBool) {
        return Fail(node, "invalid operation: ! (expected bool, got " +
                              std::string(KindName(a.kind)) + ")");
      }
      out = Operand::Bool(!a.b);
      return true;
    }
    case Op::kNegate:
    case Op::kPlus: {
      Operand a;
      if (!Eval(node.a, a)) return false;
      std::string_view sign = node.op == Op::kNegate ? "-" : "+";
      if (!a.is_number()) {
        return Fail(node, "invalid operation: " + std::string(sign) + " (expected a number, got " +
                              std::string(KindName(a.kind)) + ")");
      }
      if (node.op == Op::kPlus) {
        out = a;
      } else if (a.kind == Operand::Kind::kInt) {
        if (a.i == INT64_MIN) return Fail(node, "integer overflow");
        out = Operand::Int(-a.i);
      } else {
        out = Operand::Float(-a.f);
      }
      return true;
    }
    case Op::kAnd:
    case Op::kOr: {
      Operand a;
      if (!Eval(node.a, a)) return false;
      if (a.kind != Operand::Kind::kBool) {
        return Fail(node, "invalid operation: " + std::string(OpText(node.op)) +
                              " (expected bool, got " + std::string(KindName(a.kind)) + ")");
      }
      if (a.b == (node.op == Op::kOr)) {
        out = a;
        return true;
      }
      Operand b;
      if (!Eval(node.b, b)) return false;
      if (b.kind != Operand::Kind::kBool) {
        return Fail(node, "invalid operation: " + std::string(OpText(node.op)) +
                              " (expected bool, got " + std::string(KindName(b.kind)) + ")");
      }
      out = b;
      return true;
    }
    case Op::kTernary: {
      Operand condition;
      if (!Eval(node.a, condition)) return false;
      if (condition.kind != Operand::Kind::kBool) {
        return Fail(node, "invalid operation: ?: (expected bool condition, got " +
                              std::string(KindName(condition.kind)) + ")");
      }
      return Eval(condition.b ? node.b : node.c, out);
    }
    case Op::kCoalesce: {
      Operand a;
      if (Eval(node.a, a) && a.kind != Operand::Kind::kNull) {
        out = std::move(a);
        return true;
      }
      if (!error_.empty() && !lookup_error_) return false;
      ClearError();
      return Eval(node.b, out);
    }
    case Op::kCall:
      return CallBuiltin(*this, node, out);
    default:
      return EvalBinary(node, out);
  }
}

bool Evaluator::EvalBinary(const Node& node, Operand& out) {
  Operand a;
  Operand b;
  if (!Eval(node.a, a) || !Eval(node.b, b)) return false;
  switch (node.op) {
    case Op::kEqual:
      out = Operand::Bool(OperandsEqual(a, b));
      return true;
    case Op::kNotEqual:
      out = Operand::Bool(!OperandsEqual(a, b));
      return true;
    case Op::kLess:
    case Op::kLessEqual:
    case Op::kGreater:
    case Op::kGreaterEqual: {
      int order;  // -1, 0, 1; 2 when unordered (NaN)
      if (a.is_number() && b.is_number()) {
        if (a.kind == Operand::Kind::kInt && b.kind == Operand::Kind::kInt) {
          order = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
        } else {
          double x = a.number();
          double y = b.number();
          order = x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
        }
      } else if (a.kind == Operand::Kind::kString && b.kind == Operand::Kind::kString) {
        int c = a.s->compare(*b.s);
        order = c < 0 ? -1 : c > 0 ? 1 : 0;
      } else {
        return Fail(node, Mismatch(OpText(node.op), a, b));
      }
      bool value = false;
      if (order != 2) {
        switch (node.op) {
          case Op::kLess:
            value = order < 0;
            break;
          case Op::kLessEqual:
            value = order <= 0;
            break;
          case Op::kGreater:
            value = order > 0;
            break;
          default:
            value = order >= 0;
            break;
        }
      }
      out = Operand::Bool(value);
      return true;
    }
    case Op::kIn: {
      if (b.kind == Operand::Kind::kArray) {
        for (const Value& item : b.v->as_array()) {
          if (OperandsEqual(a, Operand::Of(item))) {
            out = Operand::Bool(true);
            return true;
          }
        }
        out = Operand::Bool(false);
        return true;
      }
      if (b.kind == Operand::Kind::kMap && a.kind == Operand::Kind::kString) {
        out = Operand::Bool(b.v->Find(*a.s) != nullptr);
        return true;
      }
      return Fail(node, Mismatch("in", a, b));
    }
    case Op::kContains:
    case Op::kStartsWith:
    case Op::kEndsWith: {
      if (a.kind != Operand::Kind::kString || b.kind != Operand::Kind::kString) {
        return Fail(node, Mismatch(OpText(node.op), a, b));
      }
      const std::string& s = *a.s;
      const std::string& t = *b.s;
      bool value = node.op == Op::kContains ? s.find(t) != std::string::npos
                   : node.op == Op::kStartsWith
                       ? s.compare(0, t.size(), t) == 0
                       : s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
      out = Operand::Bool(value);
      return true;
    }
    default:
      return EvalArithmetic(node, a, b, out);
  }
}

bool Evaluator::EvalArithmetic(const Node& node, const Operand& a, const Operand& b, Operand& out) {
  bool both_int = a.kind == Operand::Kind::kInt && b.kind == Operand::Kind::kInt;
  if (node.op == Op::kAdd && a.kind == b.kind &&
      (a.kind == Operand::Kind::kString || a.kind == Operand::Kind::kArray)) {
    if (a.kind == Operand::Kind::kString) {
      out = Operand::Own(Value(*a.s + *b.s));
    } else {
      if (!ChargeCopy(node, a) || !ChargeCopy(node, b)) return false;
      Value::Array items = a.v->as_array();
      const Value::Array& more = b.v->as_array();
      items.insert(items.end(), more.begin(), more.end());
      out = Operand::Own(Value(std::move(items)));
    }
    return true;
  }
  if (!a.is_number() || !b.is_number()) return Fail(node, Mismatch(OpText(node.op), a, b));
  int64_t n = 0;
  switch (node.op) {
    case Op::kAdd:
      if (!both_int) break;
      if (__builtin_add_overflow(a.i, b.i, &n)) return Fail(node, "integer overflow");
      out = Operand::Int(n);
      return true;
    case Op::kSubtract:
      if (!both_int) break;
      if (__builtin_sub_overflow(a.i, b.i, &n)) return Fail(node, "integer overflow");
      out = Operand::Int(n);
      return true;
    case Op::kMultiply:
      if (!both_int) break;
      if (__builtin_mul_overflow(a.i, b.i, &n)) return Fail(node, "integer overflow");
      out = Operand::Int(n);
      return true;
    case Op::kModulo:
      if (!both_int) return Fail(node, Mismatch("%", a, b));
      if (b.i == 0) return Fail(node, "integer divide by zero");
      out = Operand::Int(b.i == -1 ? 0 : a.i % b.i);
      return true;
    default:
      break;
  }
  double x = a.number();
  double y = b.number();
  switch (node.op) {
    case Op::kAdd:
      out = Operand::Float(x + y);
      break;
    case Op::kSubtract:
      out = Operand::Float(x - y);
      break;
    case Op::kMultiply:
      out = Operand::Float(x * y);
      break;
    case Op::kDivide:
      out = Operand::Float(x / y);
      break;
    case Op::kPower:
      out = Operand::Float(std::pow(x, y));
      break;
    default:
      return Fail(node, "internal error: unknown operator");
  }
  return true;
}

bool Evaluator::EvalIndex(const Node& node, const Operand& target, const Operand& key,
                          Operand& out) {
  if (target.kind == Operand::Kind::kMap) {
    if (key.kind != Operand::Kind::kString) {
      return Fail(node, "cannot fetch " + Shown(key) + " from map (keys are strings)");
    }
    const Value* found = target.v->Find(*key.s);
    out = found == nullptr ? Operand() : Operand::Of(*found, target.owned);
    return true;
  }
  if (target.kind == Operand::Kind::kArray || target.kind == Operand::Kind::kString) {
    int64_t position;
    if (key.kind == Operand::Kind::kInt) {
      position = key.i;
    } else if (key.kind == Operand::Kind::kFloat && std::trunc(key.f) == key.f &&
               std::fabs(key.f) < 9e18) {
      position = static_cast<int64_t>(key.f);
    } else {
      return Fail(node, "cannot fetch " + Shown(key) + " from " +
                            std::string(KindName(target.kind)) + " (index must be an integer)");
    }
    int64_t length = target.kind == Operand::Kind::kArray
                         ? static_cast<int64_t>(target.v->as_array().size())
                         : static_cast<int64_t>(target.s->size());
    int64_t at = position < 0 ? length + position : position;
    if (at < 0 || at >= length) {
      return Fail(node,
                  "index out of range: " + std::to_string(position) + " (array length is " +
                      std::to_string(length) + ")",
                  /*lookup=*/true);
    }
    if (target.kind == Operand::Kind::kArray) {
      out = Operand::Of(target.v->as_array()[static_cast<size_t>(at)], target.owned);
    } else {
      out = Operand::Own(Value(std::string(1, (*target.s)[static_cast<size_t>(at)])));
    }
    return true;
  }
  return Fail(node, "cannot fetch " + Shown(key) + " from " + std::string(KindName(target.kind)),
              /*lookup=*/target.kind == Operand::Kind::kNull);
}

bool Evaluator::EvalMember(const Node& node, const Operand& target, Operand& out) {
  const std::string& name = node.literal.as_string();
  if (target.kind == Operand::Kind::kMap) {
    const Value* found = target.v->Find(name);
    out = found == nullptr ? Operand() : Operand::Of(*found, target.owned);
    return true;
  }
  if (target.kind == Operand::Kind::kNull && node.optional) {
    out = Operand();
    return true;
  }
  return Fail(node, "cannot fetch " + name + " from " + std::string(KindName(target.kind)),
              /*lookup=*/target.kind == Operand::Kind::kNull);
}

}  // namespace internal

Result<Expression> Expression::Compile(std::string_view text, const ExpressionLimits& limits) {
  auto program = internal::ParseProgram(text, limits);
  if (!program.ok()) return std::move(program).error();
  return Expression(std::make_shared<const internal::Program>(std::move(*program)));
}

Result<Value> Expression::Evaluate(const Value& result) const {
  internal::Evaluator evaluator(*program_, result);
  internal::Operand out;
  if (!evaluator.Eval(program_->root, out)) return Error::Invalid(evaluator.error());
  return out.ToValue();
}

Result<bool> Expression::EvaluateBool(const Value& result) const {
  internal::Evaluator evaluator(*program_, result);
  internal::Operand out;
  if (!evaluator.Eval(program_->root, out)) return Error::Invalid(evaluator.error());
  if (out.kind != internal::Operand::Kind::kBool) {
    return Error::Invalid("expected bool, but got " + std::string(internal::KindName(out.kind)));
  }
  return out.b;
}

const std::string& Expression::text() const { return program_->text; }

std::string_view ExpressionTypeName(const Value& value) {
  return internal::KindName(internal::Operand::Of(value).kind);
}

}  // namespace capstan::rollout::analysis
