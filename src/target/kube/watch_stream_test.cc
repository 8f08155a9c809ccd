#include "target/kube/internal/watch_stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace capstan::target::kube {
namespace {

std::vector<std::string> Split(const std::vector<std::string>& chunks, size_t max = 64) {
  LineSplitter splitter(max);
  std::vector<std::string> lines;
  for (const std::string& chunk : chunks) {
    Status fed = splitter.Feed(chunk, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    EXPECT_TRUE(fed.ok()) << fed.error().message();
  }
  return lines;
}

TEST(LineSplitter, LinesAcrossChunkBoundariesComeOutWhole) {
  using Lines = std::vector<std::string>;
  EXPECT_EQ(Split({"a\nb\n"}), (Lines{"a", "b"}));
  EXPECT_EQ(Split({"ab", "c\nd", "e\n"}), (Lines{"abc", "de"}));
  EXPECT_EQ(Split({"a\r\n", "\n", "b"}), (Lines{"a"}));  // "b" waits for its newline
  EXPECT_EQ(Split({"x", "", "y", "\n"}), (Lines{"xy"}));
  EXPECT_EQ(Split({"\n\n\n"}), Lines{});
}

TEST(LineSplitter, ALineOverTheBoundIsAnErrorInOneChunkOrMany) {
  for (const std::vector<std::string>& chunks :
       {std::vector<std::string>{std::string(11, 'a') + "\n"},
        std::vector<std::string>{"aaaaaa", "aaaaaa"},
        std::vector<std::string>{"aaaaaa", "aaaaa\n"}}) {
    LineSplitter splitter(10);
    Status last = OkStatus();
    for (const std::string& chunk : chunks) {
      last = splitter.Feed(chunk, [](std::string_view) { return true; });
      if (!last.ok()) break;
    }
    ASSERT_FALSE(last.ok());
    EXPECT_EQ(last.error().code(), ErrorCode::kInvalid);
    EXPECT_LE(splitter.pending(), 10u);
  }
  // Exactly at the bound is fine.
  EXPECT_EQ(Split({std::string(10, 'a') + "\n"}, 10).size(), 1u);
}

TEST(LineSplitter, StopsWhenTheCallbackSaysSo) {
  LineSplitter splitter(64);
  int seen = 0;
  Status fed = splitter.Feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; });
  EXPECT_TRUE(fed.ok());
  EXPECT_EQ(seen, 2);
}

TEST(ParseWatchEvent, TypesObjectsAndErrors) {
  Result<RawWatchEvent> added =
      ParseWatchEvent(R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a"}}})");
  ASSERT_TRUE(added.ok()) << added.error().message();
  EXPECT_EQ(added->type, RawWatchEvent::Type::kAdded);
  EXPECT_EQ(added->object.StringAt({"metadata", "name"}), "a");

  Result<RawWatchEvent> bookmark = ParseWatchEvent(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12"}}})");
  ASSERT_TRUE(bookmark.ok());
  EXPECT_EQ(bookmark->type, RawWatchEvent::Type::kBookmark);

  Result<RawWatchEvent> gone = ParseWatchEvent(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)j"
      R"j("message":"too old resource version: 1 (200)","reason":"Expired","code":410}})j");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->type, RawWatchEvent::Type::kError);
  EXPECT_EQ(ErrorEventCode(*gone), 410);
  EXPECT_EQ(ErrorEventCode(*added), 0);

  for (std::string_view bad :
       {"not json", R"({"type":"WHAT","object":{}})", R"({"type":"ADDED"})", "[]"}) {
    SCOPED_TRACE(bad);
    Result<RawWatchEvent> event = ParseWatchEvent(bad);
    EXPECT_FALSE(event.ok());
  }
}

}  // namespace
}  // namespace capstan::target::kube

namespace capstan::target::kube {
namespace {

TEST(DecodeWatchLine, EventsGetApiVersionAndKindBookmarksMoveTheVersionErrorsMap) {
  Result<WatchStep> added = DecodeWatchLine(
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"7"}}})", "v1",
      "ConfigMap", "watch v1 ConfigMap");
  ASSERT_TRUE(added.ok()) << added.error().message();
  EXPECT_EQ(added->kind, WatchStep::Kind::kEvent);
  EXPECT_EQ(added->event.type, WatchEvent::Type::kModified);
  EXPECT_EQ(added->event.object.StringAt({"apiVersion"}), "v1");
  EXPECT_EQ(added->event.object.StringAt({"kind"}), "ConfigMap");
  EXPECT_EQ(added->resource_version, "7");

  Result<WatchStep> bookmark =
      DecodeWatchLine(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})", "v1",
                      "ConfigMap", "w");
  ASSERT_TRUE(bookmark.ok());
  EXPECT_EQ(bookmark->kind, WatchStep::Kind::kBookmark);
  EXPECT_EQ(bookmark->resource_version, "9");

  Result<WatchStep> gone = DecodeWatchLine(
      R"j({"type":"ERROR","object":{"kind":"Status","message":"too old resource version: 1 (5)","code":410}})j",
      "v1", "ConfigMap", "w");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->kind, WatchStep::Kind::kGone);

  Result<WatchStep> forbidden =
      DecodeWatchLine(R"({"type":"ERROR","object":{"kind":"Status","message":"no","code":403}})",
                      "v1", "ConfigMap", "watch v1 ConfigMap");
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().message(), "watch v1 ConfigMap: forbidden: no");
}

}  // namespace
}  // namespace capstan::target::kube
