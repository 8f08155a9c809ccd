// Measurements off the controller's thread: a provider that takes its time does not block
// the caller, one batch per run is in flight, and the results come back once, with a wake-up.
#include "controller/analysis_measurer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace capstan::controller {
namespace {

namespace analysis = rollout::analysis;

// A metrics server that answers only when the test lets it.
class HeldProvider final : public analysis::MetricProvider {
 public:
  analysis::ProviderResult Measure(const analysis::Metric& metric) override {
    std::unique_lock lock(mu_);
    ++calls_;
    released_.wait(lock, [this] { return open_; });
    analysis::ProviderResult result;
    result.value = metric.name + "=1";
    return result;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    released_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable released_;
  bool open_ = false;
  int calls_ = 0;
};

std::vector<analysis::DueMeasurement> Due(std::initializer_list<const char*> names) {
  std::vector<analysis::DueMeasurement> due;
  for (const char* name : names) {
    analysis::DueMeasurement measurement;
    measurement.metric_name = name;
    measurement.metric.name = name;
    due.push_back(std::move(measurement));
  }
  return due;
}

TEST(AnalysisMeasurer, MeasuresInTheBackgroundAndHandsResultsOverOnce) {
  HeldProvider provider;
  std::atomic<int> wakes = 0;
  AnalysisMeasurer measurer(provider, 2, [&wakes] { ++wakes; });
  auto start = std::chrono::steady_clock::now();
  measurer.Submit("local|shop/web-1", Due({"success-rate", "latency"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100))
      << "Submit does not wait for the provider";
  EXPECT_TRUE(measurer.InFlight("local|shop/web-1"));
  EXPECT_FALSE(measurer.Take("local|shop/web-1").has_value()) << "nothing finished yet";
  measurer.Submit("local|shop/web-1", Due({"success-rate"}));  // ignored: one in flight

  provider.Release();
  for (int i = 0; i < 500 && measurer.InFlight("local|shop/web-1"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(measurer.InFlight("local|shop/web-1"));
  auto batch = measurer.Take("local|shop/web-1");
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->results.size(), 2u);
  EXPECT_EQ(batch->results[0].value, "success-rate=1");
  EXPECT_EQ(batch->results[1].value, "latency=1");
  EXPECT_EQ(batch->due[1].metric_name, "latency");
  EXPECT_EQ(provider.calls(), 2) << "the second Submit was not measured";
  EXPECT_EQ(wakes.load(), 1);
  EXPECT_FALSE(measurer.Take("local|shop/web-1").has_value()) << "handed over once";
}

TEST(AnalysisMeasurer, OneSlowRunDoesNotHoldBackAnother) {
  HeldProvider held;
  AnalysisMeasurer measurer(held, 2, {});
  measurer.Submit("a", Due({"slow"}));
  measurer.Submit("b", Due({"slow-too"}));
  for (int i = 0; i < 500 && held.calls() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(held.calls(), 2) << "both runs are measured at once by two workers";
  held.Release();
}

}  // namespace
}  // namespace capstan::controller
