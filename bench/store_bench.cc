// Store write throughput: one finished sync (operation begin, finish with a history record,
// trimmed to 10 per application) plus one audit entry, the writes capstan makes per sync.
//   build/bench/store_bench --benchmark_counters_tabular=true
// The file lives in $TMPDIR (default /tmp); its disk decides the figure with full_sync.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace capstan::bench {
namespace {

class TempFile {
 public:
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "capstan-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  std::filesystem::path path() const { return dir_ / "capstan.db"; }

 private:
  std::filesystem::path dir_;
};

void BM_SyncRecord(benchmark::State& state) {
  TempFile file;
  store::StoreOptions options;
  options.full_sync = state.range(0) != 0;
  auto opened = store::Store::Open(file.path(), options);
  if (!opened.ok()) {
    state.SkipWithError(opened.error().message().c_str());
    return;
  }
  store::Store& store = **opened;
  const std::string resources =
      R"([{"group":"apps","kind":"Deployment","namespace":"shop","name":"web","status":"Synced",)"
      R"("message":"deployment.apps/web configured"},{"kind":"Service","namespace":"shop",)"
      R"("name":"web","status":"Synced","message":"service/web unchanged"}])";
  int64_t i = 0;
  for (auto _ : state) {
    std::string app = "app" + std::to_string(i % 50);
    auto id = store.BeginOperation(
        {app, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "automated", R"({"prune":true})"});
    store::OperationResult result;
    result.message = "successfully synced (all tasks run)";
    result.result_json = resources;
    result.history = store::HistoryRecord{};
    result.history->revision = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
    result.history->commit_message = "web: raise replicas in prod";
    result.history->author = "Ada <ada@example.com>";
    result.history->images_json = R"(["registry.example.com/shop/web:1.4.2"])";
    result.history->resources_json = resources;
    auto finished = store.FinishOperation(*id, result);
    auto audited = store.Audit({0, 0, "automated", "sync", app, R"({"revision":"0d1a26e"})", ""});
    if (!id.ok() || !finished.ok() || !audited.ok()) {
      state.SkipWithError("write failed");
      return;
    }
    ++i;
  }
  state.counters["syncs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SyncRecord)->ArgName("full_sync")->Arg(0)->Arg(1)->UseRealTime();

void BM_AuditOnly(benchmark::State& state) {
  TempFile file;
  auto opened = store::Store::Open(file.path());
  if (!opened.ok()) {
    state.SkipWithError(opened.error().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto id =
        (*opened)->Audit({0, 0, "ada", "sync", "web", R"({"revision":"0d1a26e"})", "10.0.0.7"});
    benchmark::DoNotOptimize(id);
  }
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuditOnly)->UseRealTime();

void BM_History(benchmark::State& state) {
  TempFile file;
  auto opened = store::Store::Open(file.path());
  if (!opened.ok()) {
    state.SkipWithError(opened.error().message().c_str());
    return;
  }
  for (int i = 0; i < 10; ++i) {
    auto id = (*opened)->BeginOperation({"web", "abc", "automated", "{}"});
    store::OperationResult result;
    result.history = store::HistoryRecord{};
    (void)(*opened)->FinishOperation(*id, result);
  }
  for (auto _ : state) {
    auto history = (*opened)->History("web");
    benchmark::DoNotOptimize(history);
  }
}
BENCHMARK(BM_History)->UseRealTime();

}  // namespace
}  // namespace capstan::bench
BENCHMARK_MAIN();
