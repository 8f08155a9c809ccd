#include "diff/internal/line_diff.h"

#include <gtest/gtest.h>

#include <random>

namespace capstan::diff::internal {
namespace {

std::vector<std::string_view> Lines(std::initializer_list<std::string_view> lines) {
  return std::vector<std::string_view>(lines);
}

TEST(UnifiedHunks, MatchesDiffU) {
  struct Case {
    std::string name;
    std::vector<std::string_view> a, b;
    std::string hunks;
  };
  const std::vector<Case> cases = {
      {"equal inputs print nothing", Lines({"a", "b"}), Lines({"a", "b"}), ""},
      {"one changed line in the middle", Lines({"1", "2", "3", "4", "5", "6", "7", "8", "9"}),
       Lines({"1", "2", "3", "4", "five", "6", "7", "8", "9"}),
       "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
      {"added to an empty side", Lines({}), Lines({"x", "y"}), "@@ -0,0 +1,2 @@\n+x\n+y\n"},
      {"everything removed", Lines({"x"}), Lines({}), "@@ -1 +0,0 @@\n-x\n"},
      {"insertion after the last line", Lines({"a", "b"}), Lines({"a", "b", "c"}),
       "@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
      {"two far changes make two hunks", Lines({"a", "1", "2", "3", "4", "5", "6", "7", "8", "b"}),
       Lines({"A", "1", "2", "3", "4", "5", "6", "7", "8", "B"}),
       "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n"},
      {"two near changes share a hunk", Lines({"a", "1", "2", "3", "b"}),
       Lines({"A", "1", "2", "3", "B"}), "@@ -1,5 +1,5 @@\n-a\n+A\n 1\n 2\n 3\n-b\n+B\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(UnifiedHunks(c.a, c.b, {}), c.hunks);
  }
}

TEST(UnifiedHunks, ColoursOnlyWhenAsked) {
  HunkStyle style;
  style.hunk_color = "<h>";
  style.delete_color = "<d>";
  style.insert_color = "<i>";
  style.reset = "</>";
  EXPECT_EQ(UnifiedHunks(Lines({"a"}), Lines({"b"}), style),
            "<h>@@ -1 +1 @@</>\n<d>-a</>\n<i>+b</>\n");
}

// Every line of both inputs appears once, in order, and the script is as short as the
// longest common subsequence allows.
TEST(DiffLines, IsACompleteMinimalScript) {
  std::mt19937 random(7);
  const std::vector<std::string_view> alphabet = {"a", "b", "c", "d"};
  for (int round = 0; round < 300; ++round) {
    SCOPED_TRACE(round);
    std::vector<std::string_view> a, b;
    for (auto i = random() % 12; i > 0; --i) a.push_back(alphabet[random() % alphabet.size()]);
    for (auto i = random() % 12; i > 0; --i) b.push_back(alphabet[random() % alphabet.size()]);
    auto edits = DiffLines(a, b);
    size_t next_a = 0, next_b = 0, changes = 0;
    for (const LineEdit& edit : edits) {
      if (edit.op != LineOp::kInsert) {
        ASSERT_EQ(edit.a, next_a++);
      }
      if (edit.op != LineOp::kDelete) {
        ASSERT_EQ(edit.b, next_b++);
      }
      if (edit.op == LineOp::kEqual) {
        ASSERT_EQ(a[edit.a], b[edit.b]);
      }
      if (edit.op != LineOp::kEqual) ++changes;
    }
    EXPECT_EQ(next_a, a.size());
    EXPECT_EQ(next_b, b.size());
    std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
    for (size_t i = a.size(); i-- > 0;) {
      for (size_t j = b.size(); j-- > 0;) {
        lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    EXPECT_EQ(changes, a.size() + b.size() - 2 * lcs[0][0]);
  }
}

TEST(DiffLines, VeryDifferentInputsFallBackToReplacingTheMiddle) {
  std::vector<std::string> left, right;
  for (size_t i = 0; i < kMaxEditDistance; ++i) {
    left.push_back("l" + std::to_string(i));
    right.push_back("r" + std::to_string(i));
  }
  std::vector<std::string_view> a(left.begin(), left.end()), b(right.begin(), right.end());
  auto edits = DiffLines(a, b);
  ASSERT_EQ(edits.size(), 2 * kMaxEditDistance);
  EXPECT_EQ(edits.front().op, LineOp::kDelete);
  EXPECT_EQ(edits.back().op, LineOp::kInsert);
}

TEST(SplitLines, KeepsALastLineWithoutNewline) {
  EXPECT_EQ(SplitLines("a\nb\n"), Lines({"a", "b"}));
  EXPECT_EQ(SplitLines("a\n\nb"), Lines({"a", "", "b"}));
  EXPECT_TRUE(SplitLines("").empty());
}

}  // namespace
}  // namespace capstan::diff::internal
