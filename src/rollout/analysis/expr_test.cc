#include "rollout/analysis/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/json.h"

namespace capstan::rollout::analysis {
namespace {

Value Json(std::string_view text) {
  auto value = ParseJson(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

// Evaluates `expression` with `result` and renders the outcome as JSON, or "error: ...".
std::string Run(std::string_view expression, const Value& result) {
  auto compiled = Expression::Compile(expression);
  if (!compiled.ok()) return "compile error: " + compiled.error().message();
  auto value = compiled->Evaluate(result);
  if (!value.ok()) return "error: " + value.error().message();
  // JSON shows 2.0 as 2; the cases tell floats from ints.
  std::string json = EmitJson(*value);
  if (value->is_double() && std::isfinite(value->as_double()) &&
      json.find_first_of(".e") == std::string::npos) {
    json += ".0";
  }
  return json;
}

struct Case {
  std::string expression;
  std::string result;  // JSON bound to `result`
  std::string want;    // JSON of the value, or the start of "error: ..."
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression + " with result " + c.result);
    std::string got = Run(c.expression, Json(c.result));
    if (c.want.rfind("error", 0) == 0 || c.want.rfind("compile error", 0) == 0) {
      EXPECT_EQ(got.substr(0, c.want.size()), c.want) << got;
    } else {
      EXPECT_EQ(got, c.want);
    }
  }
}

TEST(Expression, ConditionsFromArgoRolloutsDocs) {
  RunCases({
      {"result[0] >= 0.95", "[0.99]", "true"},
      {"result[0] >= 0.95", "[0.5]", "false"},
      {"result[0] <= 0.95", "[0.01]", "true"},
      {"result[0] >= 10", "[12]", "true"},
      {"result == 'true'", "\"true\"", "true"},
      {"result == true", "true", "true"},
      {"result == \"I am OK\"", "\"I am OK\"", "true"},
      {"result.ok && result.successPercent >= 0.90", R"({"ok": true, "successPercent": 0.95})",
       "true"},
      {"result.ok && result.successPercent >= 0.90", R"({"ok": true, "successPercent": 0.5})",
       "false"},
      {"len(result) == 0 || result[0] >= 0.95", "[]", "true"},
      {"len(result) > 0 && result[0] >= 0.95", "[]", "false"},
      {"isNaN(result) || result >= 0.95", "1.0", "true"},
      {"default(result, 0) < 10", "null", "true"},
      {"default(result, 0) < 10", "12", "false"},
      {"all(result, # < 1000)", "[10, 999]", "true"},
      {"all(result, # < 1000)", "[10, 1000]", "false"},
      {"len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})",
       R"([{"Values": [0, 0.01, 0.001, 0, 0]}])", "true"},
      {"all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
       R"({"service_apdex": {"values": {"values": [{"value": "9950"}, {"value": "9901"}]}}})",
       "true"},
      {"asInt(result) > 3", "\"4\"", "true"},
      {"asFloat(result) >= 0.5", "\"0.75\"", "true"},
      {"(result.requests_made * result.requests_succeeded / 100) >= 90",
       R"({"requests_made": 100, "requests_succeeded": 95})", "true"},
  });
}

TEST(Expression, PrecedenceAsExprLang) {
  RunCases({
      {"1 + 2 * 3", "null", "7"},
      {"(1 + 2) * 3", "null", "9"},
      {"2 ** 3 ** 2", "null", "512.0"},    // right-associative
      {"-2 ** 2", "null", "-4.0"},         // unary minus binds looser than **
      {"!true == false", "null", "true"},  // (!true) == false
      {"not true or true", "null", "true"},
      {"true || false && false", "null", "true"},  // && binds tighter than ||
      {"1 < 2 == true", "null", "true"},
      {"0 < result < 1", "0.5", "true"},  // chained comparison
      {"0 < result < 1", "1.5", "false"},
      {"1 + 2 > 2 && 3 % 2 == 1", "null", "true"},
      {"7 / 2", "null", "3.5"},  // division is floating point
      {"-7 % 3", "null", "-1"},
      {"result ?? 5", "null", "5"},
      {"result > 1 ? 'big' : 'small'", "2", "\"big\""},
      {"result ?: 'empty'", "null", "error: column 8: invalid operation: ?:"},
      {"1 - 2 - 3", "null", "-4"},
      {"2 * 3 % 4", "null", "2"},
  });
}

TEST(Expression, TypesAndValues) {
  RunCases({
      {"1 == 1.0", "null", "true"},
      {"'a' == 1", "null", "false"},
      {"nil == nil", "null", "true"},
      {"result == nil", "null", "true"},
      {"result.missing == nil", "{}", "true"},
      {"result['key']", R"({"key": "v"})", "\"v\""},
      {"result[-1]", "[1, 2, 3]", "3"},
      {"result[1.0]", "[1, 2, 3]", "2"},
      {"'abc' + 'def'", "null", "\"abcdef\""},
      {"[1, 2] + [3]", "null", "[1,2,3]"},
      {"'b' > 'a'", "null", "true"},
      {"2 in [1, 2]", "null", "true"},
      {"'x' not in result", R"({"y": 1})", "true"},
      {"result contains 'OK'", "\"I am OK\"", "true"},
      {"result startsWith 'I'", "\"I am OK\"", "true"},
      {"result endsWith 'OK'", "\"I am OK\"", "true"},
      {"result not contains 'bad'", "\"I am OK\"", "true"},
      {"0x1F + 1_000", "null", "1031"},
      {"1e3 + .5", "null", "1000.5"},
      {"\"tab\\tquote\\\"\"", "null", "\"tab\\tquote\\\"\""},
      {"`raw\\n`", "null", "\"raw\\\\n\""},
      {"'\\u00e9'", "null", "\"\xc3\xa9\""},
      {"len('h\xc3\xa9llo')", "null", "5"},
      {"len(result)", R"({"a": 1, "b": 2})", "2"},
      {"isNaN(result[0])", "[1]", "false"},
      {"isNil(result)", "null", "true"},
      {"default(result[0], 7)", "[]", "7"},
      {"default(result.a.b, 'x')", "{}", "\"x\""},
      {"asInt(2.9)", "null", "2"},
      {"asFloat(2)", "null", "2.0"},
      {"asFloat('NaN') != asFloat('NaN')", "null", "true"},
      {"string(1.5) + string(2)", "null", "\"1.52\""},
      {"abs(-3) + abs(-0.5)", "null", "3.5"},
      {"min(result) + max(result)", "[3, 1, 2]", "4"},
      {"max(1, 5, 3)", "null", "5"},
      {"sum(result)", "[1, 2, 3]", "6"},
      {"mean(result)", "[1, 2, 3]", "2.0"},
      {"any(result, # > 2)", "[1, 2, 3]", "true"},
      {"none(result, # > 5)", "[1, 2, 3]", "true"},
      {"one(result, # == 2)", "[1, 2, 3]", "true"},
      {"count(result, # >= 2)", "[1, 2, 3]", "2"},
      {"filter(result, # >= 2)", "[1, 2, 3]", "[2,3]"},
      {"map(result, # * 2)", "[1, 2, 3]", "[2,4,6]"},
      {"all(result, all(#, # > 0))", "[[1, 2], [3]]", "true"},
      {"result?.a", "null", "null"},
      {"isInf(1 / 0)", "null", "true"},
  });
}

TEST(Expression, RuntimeErrorsSayWhatAndWhere) {
  RunCases({
      {"result[0] >= 0.95", "[]", "error: column 7: index out of range: 0 (array length is 0)"},
      {"result >= 0.95", "[0.99]",
       "error: column 8: invalid operation: >= (mismatched types array and float)"},
      {"result.a.b", "{}", "error: column 9: cannot fetch b from nil"},
      {"result < 1", "null",
       "error: column 8: invalid operation: < (mismatched types nil and int)"},
      {"result && true", "1", "error: column 8: invalid operation: && (expected bool, got int)"},
      {"!result", "1", "error: column 1: invalid operation: ! (expected bool, got int)"},
      {"1 % 0", "null", "error: column 3: integer divide by zero"},
      {"1.5 % 1", "null", "error: column 5: invalid operation: % (mismatched types float and int)"},
      {"9223372036854775807 + 1", "null", "error: column 21: integer overflow"},
      {"len(1)", "null", "error: column 1: len(): expected a string, array or map, got int"},
      {"isNaN('x')", "null", "error: column 1: isNaN(): expected a number, got string"},
      {"asInt('x1')", "null", "error: column 1: asInt(): cannot parse \"x1\" as an integer"},
      {"all(1, # > 0)", "null", "error: column 1: all(): expected an array, got int"},
      {"all(result, #)", "[1]", "error: column 1: all(): the predicate must give a bool, got int"},
      {"result[0] + 'a'", "[1]",
       "error: column 11: invalid operation: + (mismatched types int and string)"},
  });
}

TEST(Expression, CompileErrorsGiveTheColumn) {
  RunCases({
      {"", "null", "compile error: column 1: empty expression"},
      {"result[0] >=", "null", "compile error: column 13: unexpected end of expression"},
      {"(result", "null", "compile error: column 8: expected \")\", found end of expression"},
      {"result[0] >= 0.95)", "null", "compile error: column 18: unexpected \")\""},
      {"reslt > 1", "null", "compile error: column 1: unknown name \"reslt\""},
      {"len result", "null", "compile error: column 1: len is a function: call it as len(...)"},
      {"len(1, 2)", "null", "compile error: column 1: len() takes 1 argument, got 2"},
      {"'abc", "null", "compile error: column 1: unterminated string"},
      {"result matches 'a.*'", "null",
       "compile error: column 8: operator \"matches\" is not supported"},
      {"1..3", "null", "compile error: column 2: operator \"..\" is not supported"},
      {"# > 1", "null", "compile error: column 1: # is only meaningful"},
      {"result @ 1", "null", "compile error: column 8: unexpected \"@\""},
      {"{a: 1}", "null", "compile error: column 1: map literals are not supported"},
      {"result.foo()", "null", "compile error: column 11: method calls are not supported"},
      {"99999999999999999999", "null", "compile error: column 1: integer out of range"},
      {"result not 1", "null", "compile error: column 12: unexpected \"1\" after \"not\""},
  });
}

TEST(Expression, BoundedInputIsRefused) {
  std::string deep(100, '(');
  deep += "1";
  deep += std::string(100, ')');
  auto compiled = Expression::Compile(deep);
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(compiled.error().message().find("nested too deeply"), std::string::npos);

  std::string long_text(5000, '1');
  compiled = Expression::Compile(long_text);
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(compiled.error().message().find("more than the limit of 4096"), std::string::npos);

  ExpressionLimits limits;
  limits.max_steps = 1000;
  compiled = Expression::Compile("all(result, all(result, # >= 0))", limits);
  ASSERT_TRUE(compiled.ok());
  Value::Array big(100, Value(1));
  auto value = compiled->Evaluate(Value(big));
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.error().message().find("more than 1000 steps"), std::string::npos);

  // Building data counts too: 2,000 copies of a 2,000-sample result would be 4 million values.
  compiled = Expression::Compile("len(map(result, result)) > 0");
  ASSERT_TRUE(compiled.ok());
  value = compiled->Evaluate(Value(Value::Array(2000, Value(1.5))));
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.error().message().find("more than 1000000 steps"), std::string::npos);
}

TEST(Expression, EvaluateBoolRequiresABool) {
  auto compiled = Expression::Compile("result[0]");
  ASSERT_TRUE(compiled.ok());
  auto verdict = compiled->EvaluateBool(Json("[0.5]"));
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().message(), "expected bool, but got float");
  compiled = Expression::Compile("result[0] > 0.1");
  ASSERT_TRUE(compiled.ok());
  verdict = compiled->EvaluateBool(Json("[0.5]"));
  ASSERT_TRUE(verdict.ok());
  EXPECT_TRUE(*verdict);
  EXPECT_EQ(compiled->text(), "result[0] > 0.1");
}

TEST(Expression, NaNAndInfinityFromPrometheus) {
  auto compiled = Expression::Compile("isNaN(result[0]) || result[0] >= 0.95");
  ASSERT_TRUE(compiled.ok());
  Value nan_vector(Value::Array{Value(std::nan(""))});
  EXPECT_TRUE(*compiled->EvaluateBool(nan_vector));
  auto ge = Expression::Compile("result >= 0.95");
  ASSERT_TRUE(ge.ok());
  EXPECT_FALSE(*ge->EvaluateBool(Value(std::nan(""))));  // NaN compares false
  EXPECT_TRUE(*ge->EvaluateBool(Value(INFINITY)));
  auto inf = Expression::Compile("isInf(result)");
  EXPECT_TRUE(*inf->EvaluateBool(Value(INFINITY)));
}

TEST(Expression, CompiledOnceSharedAcrossCopies) {
  auto compiled = Expression::Compile("len(result) > 0 && result[0] < 100");
  ASSERT_TRUE(compiled.ok());
  Expression copy = *compiled;
  for (int i = 0; i < 1000; ++i) {
    Value result(Value::Array{Value(static_cast<double>(i % 200))});
    EXPECT_EQ(*copy.EvaluateBool(result), i % 200 < 100);
  }
}

}  // namespace
}  // namespace capstan::rollout::analysis
