#include "target/kube/informer.h"

#include <random>

#include "core/log.h"
#include "target/kube/retry.h"

namespace capstan::target::kube {

std::vector<WatchEvent> Relist(ObjectStore& store, std::vector<Value> items) {
  std::vector<WatchEvent> events;
  ObjectStore fresh;
  for (Value& item : items) {
    ObjectKey key = KeyOf(item);
    auto old = store.find(key);
    if (old == store.end()) {
      events.push_back({WatchEvent::Type::kAdded, item});
    } else if (old->second.StringAt({"metadata", "resourceVersion"}) !=
               item.StringAt({"metadata", "resourceVersion"})) {
      events.push_back({WatchEvent::Type::kModified, item});
    }
    fresh.emplace(std::move(key), std::move(item));
  }
  for (auto& [key, object] : store) {
    if (!fresh.contains(key)) events.push_back({WatchEvent::Type::kDeleted, object});
  }
  store = std::move(fresh);
  return events;
}

void ApplyEvent(ObjectStore& store, const WatchEvent& event) {
  ObjectKey key = KeyOf(event.object);
  if (event.type == WatchEvent::Type::kDeleted) {
    store.erase(key);
  } else {
    store[key] = event.object;
  }
}

NextStep AfterWatch(const Result<WatchEnd>& end, bool stop_requested) {
  if (stop_requested) return NextStep::kStop;
  if (!end.ok()) return NextStep::kBackOffAndRelist;
  switch (end->reason) {
    case WatchEnd::Reason::kStopped:
      return NextStep::kStop;
    case WatchEnd::Reason::kGone:
      return NextStep::kRelist;
    case WatchEnd::Reason::kClosed:
      break;
  }
  return NextStep::kWatchAgain;
}

Informer::Informer(KubeClient& client, Selector selector, InformerCallback on_change,
                   InformerOptions options)
    : client_(client),
      selector_(std::move(selector)),
      on_change_(std::move(on_change)),
      options_(options),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

Informer::~Informer() { Stop(); }

void Informer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return synced_cv_.wait_for(lock, timeout, [this] { return synced_; });
}

std::vector<Value> Informer::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Value> objects;
  objects.reserve(store_.size());
  for (const auto& [key, object] : store_) objects.push_back(object);
  return objects;
}

std::optional<Value> Informer::Get(const ObjectKey& key) const {
  std::lock_guard lock(mu_);
  auto it = store_.find(key);
  if (it == store_.end()) return std::nullopt;
  return it->second;
}

int Informer::list_count() const {
  std::lock_guard lock(mu_);
  return list_count_;
}

std::string Informer::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

bool Informer::BackOff(int failures, const std::stop_token& stop) {
  thread_local std::mt19937 engine{std::random_device{}()};
  RetryOptions shape;
  shape.initial_backoff = options_.initial_backoff;
  shape.max_backoff = options_.max_backoff;
  std::chrono::milliseconds wait =
      BackoffDelay(shape, failures, std::uniform_real_distribution<double>(0, 1)(engine));
  std::mutex sleep_mu;
  std::unique_lock lock(sleep_mu);
  std::condition_variable_any cv;
  cv.wait_for(lock, stop, wait, [] { return false; });
  return !stop.stop_requested();
}

void Informer::Deliver(const std::vector<WatchEvent>& events) {
  if (!on_change_) return;
  for (const WatchEvent& event : events) on_change_(event);
}

void Informer::Run(const std::stop_token& stop) {
  const std::string what = "informer " + selector_.api_version + " " + selector_.kind;
  std::string version;
  bool need_list = true;
  int failures = 0;
  while (!stop.stop_requested()) {
    if (need_list) {
      Result<ListResult> list = client_.ListWithVersion(selector_);
      if (!list.ok()) {
        Log(LogLevel::kWarning, "{}: {}", what, list.error().message());
        {
          std::lock_guard lock(mu_);
          last_error_ = list.error().message();
        }
        if (!BackOff(++failures, stop)) return;
        continue;
      }
      std::vector<WatchEvent> events;
      {
        std::lock_guard lock(mu_);
        events = Relist(store_, std::move(list->items));
        ++list_count_;
        last_error_.clear();
      }
      Deliver(events);
      {
        std::lock_guard lock(mu_);
        synced_ = true;
      }
      synced_cv_.notify_all();
      version = list->resource_version;
      need_list = false;
    }
    Result<WatchEnd> end = client_.Watch(
        selector_, version,
        [this](const WatchEvent& event) {
          {
            std::lock_guard lock(mu_);
            ApplyEvent(store_, event);
          }
          if (on_change_) on_change_(event);
          return true;
        },
        stop);
    if (end.ok()) {
      version = end->resource_version;
      failures = 0;
    }
    switch (AfterWatch(end, stop.stop_requested())) {
      case NextStep::kStop:
        return;
      case NextStep::kWatchAgain:
        break;
      case NextStep::kRelist:
        need_list = true;
        break;
      case NextStep::kBackOffAndRelist:
        Log(LogLevel::kWarning, "{}: {}", what, end.error().message());
        {
          std::lock_guard lock(mu_);
          last_error_ = end.error().message();
        }
        if (!BackOff(++failures, stop)) return;
        need_list = true;
        break;
    }
  }
}

}  // namespace capstan::target::kube
