#include "target/kube/informer.h"

#include <gtest/gtest.h>

#include "target/kube/internal/watch_stream.h"

namespace capstan::target::kube {
namespace {

Value Cm(const std::string& name, const std::string& version) {
  Value object = Value::MakeObject();
  object.Set("apiVersion", "v1");
  object.Set("kind", "ConfigMap");
  object["metadata"].Set("name", name);
  object["metadata"].Set("namespace", "a");
  object["metadata"].Set("resourceVersion", version);
  return object;
}

std::vector<std::pair<WatchEvent::Type, std::string>> Summary(
    const std::vector<WatchEvent>& events) {
  std::vector<std::pair<WatchEvent::Type, std::string>> out;
  out.reserve(events.size());
  for (const WatchEvent& e : events) out.emplace_back(e.type, std::string(NameOf(e.object)));
  return out;
}

TEST(Relist, ReportsWhatChangedSinceTheLastCopy) {
  using T = WatchEvent::Type;
  ObjectStore store;
  EXPECT_EQ(Summary(Relist(store, {Cm("x", "1"), Cm("y", "1")})),
            (decltype(Summary({})){{T::kAdded, "x"}, {T::kAdded, "y"}}));
  // y changed, x is gone, z is new; an unchanged object yields nothing.
  EXPECT_EQ(Summary(Relist(store, {Cm("y", "2"), Cm("z", "3")})),
            (decltype(Summary({})){{T::kModified, "y"}, {T::kAdded, "z"}, {T::kDeleted, "x"}}));
  EXPECT_EQ(Summary(Relist(store, {Cm("y", "2"), Cm("z", "3")})), decltype(Summary({})){});
  EXPECT_EQ(store.size(), 2u);
}

TEST(ApplyEvent, AddsReplacesAndRemoves) {
  ObjectStore store;
  ApplyEvent(store, {WatchEvent::Type::kAdded, Cm("x", "1")});
  ApplyEvent(store, {WatchEvent::Type::kModified, Cm("x", "2")});
  ASSERT_EQ(store.size(), 1u);
  EXPECT_EQ(store.begin()->second.StringAt({"metadata", "resourceVersion"}), "2");
  ApplyEvent(store, {WatchEvent::Type::kDeleted, Cm("x", "3")});
  EXPECT_TRUE(store.empty());
  ApplyEvent(store, {WatchEvent::Type::kDeleted, Cm("never", "4")});  // unknown: no-op
  EXPECT_TRUE(store.empty());
}

TEST(AfterWatch, GoneRelistsClosedWatchesAgainErrorsBackOff) {
  EXPECT_EQ(AfterWatch(WatchEnd{WatchEnd::Reason::kGone, "5"}, false), NextStep::kRelist);
  EXPECT_EQ(AfterWatch(WatchEnd{WatchEnd::Reason::kClosed, "5"}, false), NextStep::kWatchAgain);
  EXPECT_EQ(AfterWatch(WatchEnd{WatchEnd::Reason::kStopped, "5"}, false), NextStep::kStop);
  EXPECT_EQ(AfterWatch(Error::Unavailable("reset"), false), NextStep::kBackOffAndRelist);
  EXPECT_EQ(AfterWatch(WatchEnd{WatchEnd::Reason::kClosed, "5"}, true), NextStep::kStop);
}

// The chain an informer follows when the server says the version is too old in the
// stream: the line decodes as Gone, which ends the watch as kGone, which relists.
TEST(AfterWatch, AnErrorEvent410InTheStreamLeadsToARelist) {
  Result<WatchStep> step = DecodeWatchLine(
      R"j({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (904)","reason":"Expired","code":410}})j",
      "v1", "ConfigMap", "watch");
  ASSERT_TRUE(step.ok());
  ASSERT_EQ(step->kind, WatchStep::Kind::kGone);
  EXPECT_EQ(AfterWatch(WatchEnd{WatchEnd::Reason::kGone, "1"}, false), NextStep::kRelist);
}

}  // namespace
}  // namespace capstan::target::kube
