// libFuzzer target: any byte string must compile or fail cleanly, and whatever compiles
// must evaluate or fail cleanly against measurements of every shape, within its step
// limit. Conditions come from AnalysisTemplates, which anyone with write access to a Git
// repository can author.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "rollout/analysis/expr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using capstan::Value;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  capstan::rollout::analysis::ExpressionLimits limits;
  limits.max_steps = 20'000;  // keep each input fast
  auto compiled = capstan::rollout::analysis::Expression::Compile(text, limits);
  if (!compiled.ok()) return 0;
  static const Value kResults[] = {
      Value(),
      Value(0.97),
      Value(std::nan("")),
      Value(int64_t{-3}),
      Value("I am OK"),
      Value(true),
      Value(Value::Array{}),
      Value(Value::Array{Value(0.5), Value(2.0), Value(INFINITY)}),
      Value(Value::Object{{"ok", Value(true)},
                          {"data", Value(Value::Array{Value(Value::Object{{"v", Value("1")}})})}}),
  };
  for (const Value& result : kResults) {
    (void)compiled->Evaluate(result);
    (void)compiled->EvaluateBool(result);
  }
  return 0;
}
