// Built-in functions: the ones Argo Rollouts adds to expr-lang's environment (isNaN, isInf,
// isNil, default, asInt, asFloat) and the expr-lang built-ins conditions use.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/json.h"
#include "rollout/analysis/internal/expr_eval.h"

namespace capstan::rollout::analysis::internal {
namespace {

using Kind = Operand::Kind;

std::string_view BuiltinName(Builtin builtin) {
  switch (builtin) {
    case Builtin::kLen:
      return "len";
    case Builtin::kIsNaN:
      return "isNaN";
    case Builtin::kIsInf:
      return "isInf";
    case Builtin::kIsNil:
      return "isNil";
    case Builtin::kDefault:
      return "default";
    case Builtin::kAsInt:
      return "asInt";
    case Builtin::kAsFloat:
      return "asFloat";
    case Builtin::kInt:
      return "int";
    case Builtin::kFloat:
      return "float";
    case Builtin::kString:
      return "string";
    case Builtin::kAbs:
      return "abs";
    case Builtin::kMin:
      return "min";
    case Builtin::kMax:
      return "max";
    case Builtin::kSum:
      return "sum";
    case Builtin::kMean:
      return "mean";
    case Builtin::kAll:
      return "all";
    case Builtin::kAny:
      return "any";
    case Builtin::kNone:
      return "none";
    case Builtin::kOne:
      return "one";
    case Builtin::kFilter:
      return "filter";
    case Builtin::kMap:
      return "map";
    case Builtin::kCount:
      return "count";
  }
  return "?";
}

std::string BadArgument(Builtin builtin, const Operand& arg, std::string_view wanted) {
  return std::string(BuiltinName(builtin)) + "(): expected " + std::string(wanted) + ", got " +
         std::string(KindName(arg.kind));
}

// Go's strconv.ParseInt(s, 10, 64), which asInt uses.
bool ParseInt(const std::string& text, int64_t& out) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto parsed = std::from_chars(begin, end, out, 10);
  return parsed.ec == std::errc() && parsed.ptr == end && begin != end;
}

// Go's strconv.ParseFloat(s, 64), which asFloat uses: decimal and the words NaN, Inf,
// +Inf, -Inf, Infinity in any case; no surrounding space.
bool ParseFloat(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())) ||
      std::isspace(static_cast<unsigned char>(text.back()))) {
    return false;
  }
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view word = lower;
  bool negative = false;
  if (!word.empty() && (word.front() == '+' || word.front() == '-')) {
    negative = word.front() == '-';
    word.remove_prefix(1);
  }
  if (word == "nan") {
    out = std::nan("");
    return true;
  }
  if (word == "inf" || word == "infinity") {
    out = negative ? -std::numeric_limits<double>::infinity()
                   : std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower.find_first_not_of("0123456789+-.e_") != std::string::npos) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Go's %v for a float64: shortest form, exponent for very large or small magnitudes.
std::string FormatFloatForString(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  double magnitude = std::fabs(value);
  auto format = (magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e21))
                    ? std::chars_format::scientific
                    : std::chars_format::fixed;
  auto written = std::to_chars(buffer, buffer + sizeof buffer, value, format);
  return std::string(buffer, written.ptr);
}

bool ToInt(Evaluator& ev, const Node& node, const Operand& arg, Operand& out) {
  switch (arg.kind) {
    case Kind::kInt:
      out = arg;
      return true;
    case Kind::kFloat:
      if (!std::isfinite(arg.f) || std::fabs(arg.f) >= 9.2e18) {
        return ev.Fail(node, std::string(BuiltinName(node.builtin)) + "(): " +
                                 FormatFloatForString(arg.f) + " is not a representable integer");
      }
      out = Operand::Int(static_cast<int64_t>(arg.f));
      return true;
    case Kind::kString: {
      int64_t n = 0;
      if (!ParseInt(*arg.s, n)) {
        return ev.Fail(node, std::string(BuiltinName(node.builtin)) + "(): cannot parse \"" +
                                 arg.s->substr(0, 64) + "\" as an integer");
      }
      out = Operand::Int(n);
      return true;
    }
    default:
      return ev.Fail(node, BadArgument(node.builtin, arg, "a number or a string"));
  }
}

bool ToFloat(Evaluator& ev, const Node& node, const Operand& arg, Operand& out) {
  switch (arg.kind) {
    case Kind::kInt:
    case Kind::kFloat:
      out = Operand::Float(arg.number());
      return true;
    case Kind::kString: {
      double d = 0;
      if (!ParseFloat(*arg.s, d)) {
        return ev.Fail(node, std::string(BuiltinName(node.builtin)) + "(): cannot parse \"" +
                                 arg.s->substr(0, 64) + "\" as a number");
      }
      out = Operand::Float(d);
      return true;
    }
    default:
      return ev.Fail(node, BadArgument(node.builtin, arg, "a number or a string"));
  }
}

// min, max, sum, mean over either their arguments or one array argument.
bool Aggregate(Evaluator& ev, const Node& node, const std::vector<Operand>& args, Operand& out) {
  std::vector<Operand> items;
  if (args.size() == 1 && args[0].kind == Kind::kArray) {
    for (const Value& item : args[0].v->as_array()) items.push_back(Operand::Of(item));
  } else if (node.builtin == Builtin::kSum || node.builtin == Builtin::kMean) {
    return ev.Fail(node, BadArgument(node.builtin, args[0], "an array"));
  } else {
    items = args;
  }
  for (const Operand& item : items) {
    if (!item.is_number()) return ev.Fail(node, BadArgument(node.builtin, item, "numbers"));
  }
  if (items.empty()) {
    if (node.builtin == Builtin::kSum) {
      out = Operand::Int(0);
      return true;
    }
    if (node.builtin == Builtin::kMean) {
      out = Operand::Float(std::nan(""));
      return true;
    }
    return ev.Fail(node, std::string(BuiltinName(node.builtin)) + "(): no values", /*lookup=*/true);
  }
  if (node.builtin == Builtin::kMin || node.builtin == Builtin::kMax) {
    Operand best = items[0];
    for (const Operand& item : items) {
      bool better = node.builtin == Builtin::kMin ? item.number() < best.number()
                                                  : item.number() > best.number();
      if (better || std::isnan(item.number())) best = item;
    }
    out = best;
    return true;
  }
  bool all_int = true;
  int64_t int_sum = 0;
  double sum = 0;
  for (const Operand& item : items) {
    sum += item.number();
    if (item.kind != Kind::kInt || __builtin_add_overflow(int_sum, item.i, &int_sum))
      all_int = false;
  }
  if (node.builtin == Builtin::kSum) {
    out = all_int ? Operand::Int(int_sum) : Operand::Float(sum);
  } else {
    out = Operand::Float(sum / static_cast<double>(items.size()));
  }
  return true;
}

}  // namespace

bool CallBuiltin(Evaluator& ev, const Node& node, Operand& out) {
  const Program& program = ev.program();
  auto arg_node = [&](uint32_t k) { return program.args[node.args_begin + k]; };

  switch (node.builtin) {
    case Builtin::kDefault: {
      // The value of the first argument, or the fallback when it is nil or cannot be
      // looked up (an empty result, a missing field): `default(result[0], 0)`.
      Operand value;
      if (ev.Eval(arg_node(0), value) && value.kind != Kind::kNull) {
        out = std::move(value);
        return true;
      }
      if (!ev.error().empty() && !ev.lookup_error()) return false;
      ev.ClearError();
      return ev.Eval(arg_node(1), out);
    }
    case Builtin::kAll:
    case Builtin::kAny:
    case Builtin::kNone:
    case Builtin::kOne:
    case Builtin::kFilter:
    case Builtin::kMap:
    case Builtin::kCount: {
      Operand list;
      if (!ev.Eval(arg_node(0), list)) return false;
      if (list.kind != Kind::kArray)
        return ev.Fail(node, BadArgument(node.builtin, list, "an array"));
      bool is_map = node.builtin == Builtin::kMap;
      int64_t matches = 0;
      Value::Array kept;
      for (const Value& item : list.v->as_array()) {
        if (!ev.Step(node)) return false;
        ev.pointers_.push_back(Operand::Of(item, list.owned));
        Operand verdict;
        bool ok = ev.Eval(arg_node(1), verdict);
        ev.pointers_.pop_back();
        if (!ok) return false;
        if (is_map) {
          if (!ev.ChargeCopy(node, verdict)) return false;
          kept.push_back(verdict.ToValue());
          continue;
        }
        if (verdict.kind != Kind::kBool) {
          return ev.Fail(node, std::string(BuiltinName(node.builtin)) +
                                   "(): the predicate must give a bool, got " +
                                   std::string(KindName(verdict.kind)));
        }
        if (!verdict.b) {
          if (node.builtin == Builtin::kAll) {
            out = Operand::Bool(false);
            return true;
          }
          continue;
        }
        ++matches;
        if (node.builtin == Builtin::kAny) {
          out = Operand::Bool(true);
          return true;
        }
        if (node.builtin == Builtin::kNone) {
          out = Operand::Bool(false);
          return true;
        }
        if (node.builtin == Builtin::kFilter) {
          if (!ev.ChargeCopy(node, Operand::Of(item))) return false;
          kept.push_back(item);
        }
      }
      switch (node.builtin) {
        case Builtin::kAll:
          out = Operand::Bool(true);
          break;
        case Builtin::kAny:
          out = Operand::Bool(false);
          break;
        case Builtin::kNone:
          out = Operand::Bool(true);
          break;
        case Builtin::kOne:
          out = Operand::Bool(matches == 1);
          break;
        case Builtin::kCount:
          out = Operand::Int(matches);
          break;
        default:
          out = Operand::Own(Value(std::move(kept)));
          break;
      }
      return true;
    }
    default:
      break;
  }

  std::vector<Operand> args(node.args_count);
  for (uint32_t k = 0; k < node.args_count; ++k) {
    if (!ev.Eval(arg_node(k), args[k])) return false;
  }
  const Operand& arg = args[0];
  switch (node.builtin) {
    case Builtin::kLen: {
      size_t length = 0;
      if (arg.kind == Kind::kString) {
        for (unsigned char c : *arg.s) length += (c & 0xC0) != 0x80;  // UTF-8 code points
      } else if (arg.kind == Kind::kArray || arg.kind == Kind::kMap) {
        length = arg.v->size();
      } else {
        return ev.Fail(node, BadArgument(node.builtin, arg, "a string, array or map"));
      }
      out = Operand::Int(static_cast<int64_t>(length));
      return true;
    }
    case Builtin::kIsNaN:
    case Builtin::kIsInf: {
      if (!arg.is_number()) return ev.Fail(node, BadArgument(node.builtin, arg, "a number"));
      double d = arg.number();
      out = Operand::Bool(node.builtin == Builtin::kIsNaN ? std::isnan(d) : std::isinf(d));
      return true;
    }
    case Builtin::kIsNil:
      out = Operand::Bool(arg.kind == Kind::kNull);
      return true;
    case Builtin::kAsInt:
    case Builtin::kInt:
      return ToInt(ev, node, arg, out);
    case Builtin::kAsFloat:
    case Builtin::kFloat:
      return ToFloat(ev, node, arg, out);
    case Builtin::kString:
      switch (arg.kind) {
        case Kind::kString:
          out = arg;
          return true;
        case Kind::kInt:
          out = Operand::Own(Value(std::to_string(arg.i)));
          return true;
        case Kind::kFloat:
          out = Operand::Own(Value(FormatFloatForString(arg.f)));
          return true;
        case Kind::kBool:
          out = Operand::Own(Value(arg.b ? "true" : "false"));
          return true;
        case Kind::kNull:
          out = Operand::Own(Value("<nil>"));
          return true;
        default:
          if (!ev.ChargeCopy(node, arg)) return false;
          out = Operand::Own(Value(EmitJson(*arg.v)));
          return true;
      }
    case Builtin::kAbs:
      if (arg.kind == Kind::kInt) {
        if (arg.i == INT64_MIN) return ev.Fail(node, "integer overflow");
        out = Operand::Int(arg.i < 0 ? -arg.i : arg.i);
        return true;
      }
      if (arg.kind == Kind::kFloat) {
        out = Operand::Float(std::fabs(arg.f));
        return true;
      }
      return ev.Fail(node, BadArgument(node.builtin, arg, "a number"));
    case Builtin::kMin:
    case Builtin::kMax:
    case Builtin::kSum:
    case Builtin::kMean:
      return Aggregate(ev, node, args, out);
    default:
      return ev.Fail(node, "internal error: unknown function");
  }
}

}  // namespace capstan::rollout::analysis::internal
