#include "controller/analysis_measurer.h"

#include <utility>

namespace capstan::controller {

AnalysisMeasurer::AnalysisMeasurer(rollout::analysis::MetricProvider& provider, int workers,
                                   std::function<void()> on_done)
    : provider_(provider), on_done_(std::move(on_done)) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

AnalysisMeasurer::~AnalysisMeasurer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool AnalysisMeasurer::InFlight(const std::string& key) const {
  std::lock_guard lock(mu_);
  return busy_.contains(key);
}

void AnalysisMeasurer::Submit(const std::string& key,
                              std::vector<rollout::analysis::DueMeasurement> due) {
  {
    std::lock_guard lock(mu_);
    if (busy_.contains(key) || stopping_) return;
    busy_[key] = true;
    pending_[key] = std::move(due);
    queue_.push_back(key);
  }
  work_.notify_one();
}

std::optional<AnalysisMeasurer::Batch> AnalysisMeasurer::Take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = finished_.find(key);
  if (it == finished_.end()) return std::nullopt;
  Batch batch = std::move(it->second);
  finished_.erase(it);
  return batch;
}

void AnalysisMeasurer::Work() {
  while (true) {
    std::string key;
    std::vector<rollout::analysis::DueMeasurement> due;
    {
      std::unique_lock lock(mu_);
      work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      key = std::move(queue_.front());
      queue_.pop_front();
      due = std::move(pending_[key]);
      pending_.erase(key);
    }
    Batch batch;
    batch.results.reserve(due.size());
    for (const auto& measurement : due)
      batch.results.push_back(provider_.Measure(measurement.metric));
    batch.due = std::move(due);
    batch.finished_at = rollout::analysis::Clock::now();
    {
      std::lock_guard lock(mu_);
      finished_[key] = std::move(batch);
      busy_.erase(key);
    }
    if (on_done_) on_done_();
  }
}

}  // namespace capstan::controller
