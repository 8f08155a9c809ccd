// Myers, "An O(ND) Difference Algorithm and Its Variations" (1986): greedy forward search
// over diagonals, keeping each round's furthest-reaching x per diagonal so the path can
// be walked back. Common prefix and suffix are trimmed first; YAML of two versions of an
// object usually differs in a few lines, so D stays small.
#include "diff/internal/line_diff.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::diff::internal {
namespace {

using Lines = std::vector<std::string_view>;

// Edits for a[a0..a1) vs b[b0..b1), appended to `out`.
void Middle(const Lines& a, size_t a0, size_t a1, const Lines& b, size_t b0, size_t b1,
            std::vector<LineEdit>& out) {
  const long n = static_cast<long>(a1 - a0);
  const long m = static_cast<long>(b1 - b0);
  const long max = std::min<long>(n + m, static_cast<long>(kMaxEditDistance));
  // v[k + max + 1]: furthest x on diagonal k = x - y. trace[d]: v[-d..d] before round d.
  std::vector<long> v(2 * max + 3, 0);
  std::vector<std::vector<long>> trace;
  auto at = [&](long k) -> long& { return v[k + max + 1]; };
  long found = -1;
  for (long d = 0; d <= max && found < 0; ++d) {
    trace.emplace_back(v.begin() + (max + 1 - d), v.begin() + (max + 1 + d + 1));
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      long y = x - k;
      while (x < n && y < m && a[a0 + x] == b[b0 + y]) ++x, ++y;
      at(k) = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) {  // too different: replace the whole middle
    for (size_t i = a0; i < a1; ++i) out.push_back({LineOp::kDelete, i, b0});
    for (size_t j = b0; j < b1; ++j) out.push_back({LineOp::kInsert, a1, j});
    return;
  }
  std::vector<LineEdit> reversed;
  long x = n, y = m;
  for (long d = found; d >= 0; --d) {
    const std::vector<long>& snapshot = trace[d];
    auto old = [&](long k) { return snapshot[k + d]; };
    long k = x - y;
    long prev_k = (d == 0) ? 0 : (k == -d || (k != d && old(k - 1) < old(k + 1))) ? k + 1 : k - 1;
    long prev_x = d == 0 ? 0 : old(prev_k);
    long prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      reversed.push_back({LineOp::kEqual, a0 + x, b0 + y});
    }
    if (d == 0) break;
    if (x == prev_x) {
      reversed.push_back({LineOp::kInsert, a0 + x, b0 + prev_y});
    } else {
      reversed.push_back({LineOp::kDelete, a0 + prev_x, b0 + y});
    }
    x = prev_x;
    y = prev_y;
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::string Range(size_t start, size_t count) {
  // GNU diff: an empty range is named by the line before it; a count of 1 is implied.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

}  // namespace

std::vector<LineEdit> DiffLines(const Lines& a, const Lines& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  std::vector<LineEdit> edits;
  for (size_t i = 0; i < prefix; ++i) edits.push_back({LineOp::kEqual, i, i});
  Middle(a, prefix, a.size() - suffix, b, prefix, b.size() - suffix, edits);
  for (size_t s = suffix; s > 0; --s) {
    edits.push_back({LineOp::kEqual, a.size() - s, b.size() - s});
  }
  return edits;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string UnifiedHunks(const Lines& a, const Lines& b, const HunkStyle& style) {
  std::vector<LineEdit> edits = DiffLines(a, b);
  const size_t context = static_cast<size_t>(std::max(style.context_lines, 0));
  std::string out;
  size_t i = 0;
  while (i < edits.size()) {
    while (i < edits.size() && edits[i].op == LineOp::kEqual) ++i;
    if (i == edits.size()) break;
    // A hunk: from `context` lines before this change to `context` lines after the last
    // change that is no more than 2 * context equal lines from the next.
    size_t begin = i >= context ? i - context : 0;
    size_t end = i;
    while (true) {
      while (end < edits.size() && edits[end].op != LineOp::kEqual) ++end;
      size_t equal = end;
      while (equal < edits.size() && edits[equal].op == LineOp::kEqual) ++equal;
      if (equal < edits.size() && equal - end <= 2 * context) {
        end = equal;
        continue;
      }
      end = std::min(edits.size(), end + context);
      break;
    }
    size_t a_count = 0, b_count = 0;
    for (size_t e = begin; e < end; ++e) {
      if (edits[e].op != LineOp::kInsert) ++a_count;
      if (edits[e].op != LineOp::kDelete) ++b_count;
    }
    out += fmt::format("{}@@ -{} +{} @@{}\n", style.hunk_color, Range(edits[begin].a, a_count),
                       Range(edits[begin].b, b_count), style.reset);
    for (size_t e = begin; e < end; ++e) {
      const LineEdit& edit = edits[e];
      switch (edit.op) {
        case LineOp::kEqual:
          out += fmt::format(" {}\n", a[edit.a]);
          break;
        case LineOp::kDelete:
          out += fmt::format("{}-{}{}\n", style.delete_color, a[edit.a], style.reset);
          break;
        case LineOp::kInsert:
          out += fmt::format("{}+{}{}\n", style.insert_color, b[edit.b], style.reset);
          break;
      }
    }
    i = end;
  }
  return out;
}

}  // namespace capstan::diff::internal
