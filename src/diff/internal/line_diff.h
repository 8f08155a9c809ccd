// A line diff (Myers' O(ND) algorithm) and unified-diff hunks, as `diff -u` prints them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace capstan::diff::internal {

enum class LineOp { kEqual, kDelete, kInsert };

struct LineEdit {
  LineOp op;
  size_t a = 0;  // index into `a` (kEqual, kDelete)
  size_t b = 0;  // index into `b` (kEqual, kInsert)
};

// Past this many differing lines the middle of the inputs is shown as all deleted, then
// all inserted, instead of searching further: the search needs memory quadratic in it
// (2,000 lines: about 16 MB).
inline constexpr size_t kMaxEditDistance = 2000;

// An edit script turning `a` into `b`: every line of both exactly once, in order, with
// the fewest deletions plus insertions (when within kMaxEditDistance). Deletions come
// before insertions at the same place.
std::vector<LineEdit> DiffLines(const std::vector<std::string_view>& a,
                                const std::vector<std::string_view>& b);

// Splits text into lines without their "\n"; a final line without one counts too.
std::vector<std::string_view> SplitLines(std::string_view text);

struct HunkStyle {
  int context_lines = 3;
  // ANSI escape sequences put around each kind of line; empty for plain text.
  std::string_view hunk_color, delete_color, insert_color, reset;
};

// The "@@ -l,s +l,s @@" hunks of a unified diff of `a` and `b` (no file headers), "" when
// they are equal. Line numbers and counts follow GNU diff ("-0,0" for an empty side, the
// count left out when it is 1).
std::string UnifiedHunks(const std::vector<std::string_view>& a,
                         const std::vector<std::string_view>& b, const HunkStyle& style);

}  // namespace capstan::diff::internal
