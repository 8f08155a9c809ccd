// Version constraints: each comparator is rewritten into plain comparisons (>=, <, ...)
// against full versions, so matching is a loop over CompareVersions.
#include <fmt/format.h>

#include "source/semver.h"

namespace capstan::source {
namespace {

using Op = Constraint::Op;
using Comparison = Constraint::Comparison;

// A version as written in a constraint: `given` leading numbers, the rest wildcards or
// missing ("1.2" and "1.2.x" both have given == 2; "*" has 0).
struct Partial {
  uint64_t numbers[3] = {0, 0, 0};
  int given = 0;
  std::vector<std::string> prerelease;
};

bool IsWildcard(std::string_view s) { return s == "*" || s == "x" || s == "X"; }

Result<Partial> ParsePartial(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Error::Invalid(fmt::format("\"{}\": {}", text, why));
  };
  if (text.empty()) return invalid("expected a version");
  std::string_view rest = text;
  if (rest[0] == 'v' || rest[0] == 'V') rest.remove_prefix(1);
  Partial partial;
  if (rest.find_first_of("-+") != std::string_view::npos) {
    // Pre-release and build parts are only meaningful on a full version.
    Result<Version> full = ParseVersion(text);
    if (!full.ok()) return invalid("not a version (a pre-release needs MAJOR.MINOR.PATCH)");
    partial.numbers[0] = full->major;
    partial.numbers[1] = full->minor;
    partial.numbers[2] = full->patch;
    partial.given = 3;
    partial.prerelease = std::move(full->prerelease);
    return partial;
  }
  int parts = 0;
  bool wildcard = false;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    std::string_view part = rest.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (++parts > 3) return invalid("more than three version parts");
    if (IsWildcard(part)) {
      wildcard = true;
    } else {
      // Reuse the full parser's number rules through a stand-in version.
      Result<Version> number = ParseVersion(fmt::format("{}.0.0", part));
      if (wildcard || !number.ok() || part.empty()) {
        return invalid("expected numbers, then only wildcards (*, x, X)");
      }
      partial.numbers[partial.given++] = number->major;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return partial;
}

Version Lowest(const Partial& p) {
  Version v{p.numbers[0], p.numbers[1], p.numbers[2], p.prerelease, {}};
  return v;
}

// The lowest version above everything `p` covers, as "X.Y.Z-0", which sorts below every
// other pre-release of X.Y.Z: "1.2" → 1.3.0-0, "1" → 2.0.0-0.
Version Above(const Partial& p) {
  Version v;
  if (p.given == 1) v.major = p.numbers[0] + 1;
  if (p.given == 2) v = Version{p.numbers[0], p.numbers[1] + 1, 0, {}, {}};
  if (p.given == 3) v = Version{p.numbers[0], p.numbers[1], p.numbers[2] + 1, {}, {}};
  v.prerelease = {"0"};
  return v;
}

Partial Bump(const Partial& p, int keep) {
  Partial next = p;
  next.given = keep;
  next.prerelease.clear();
  return next;
}

// Appends the comparisons meaning `op partial`.
Status Translate(std::string_view op, const Partial& p, std::vector<Comparison>& out) {
  const int g = p.given;
  auto add = [&](Op o, Version v) { out.push_back(Comparison{o, std::move(v)}); };
  if (op.empty() || op == "=") {
    if (g == 3) add(Op::kEq, Lowest(p));
    if (g == 1 || g == 2) {
      add(Op::kGe, Lowest(p));
      add(Op::kLt, Above(p));
    }
  } else if (op == "!=") {
    if (g != 3) return Error::Invalid("!= needs a full version");
    add(Op::kNe, Lowest(p));
  } else if (op == ">") {
    if (g == 0) return Error::Invalid("> needs a version, not a wildcard");
    add(g == 3 ? Op::kGt : Op::kGe, g == 3 ? Lowest(p) : Above(p));
  } else if (op == ">=") {
    if (g > 0) add(Op::kGe, Lowest(p));
  } else if (op == "<") {
    if (g == 0) return Error::Invalid("< needs a version, not a wildcard");
    Version v = Lowest(p);
    if (g < 3) v.prerelease = {"0"};  // "<1.2" also excludes 1.2.0's pre-releases
    add(Op::kLt, v);
  } else if (op == "<=") {
    if (g == 3) add(Op::kLe, Lowest(p));
    if (g == 1 || g == 2) add(Op::kLt, Above(p));
  } else if (op == "~" || op == "~>") {
    if (g == 0) return OkStatus();
    add(Op::kGe, Lowest(p));
    add(Op::kLt, Above(Bump(p, g == 1 ? 1 : 2)));
  } else if (op == "^") {
    if (g == 0) return OkStatus();
    // The upper bound bumps the first non-zero part, or the last one written.
    int keep = (p.numbers[0] > 0 || g == 1) ? 1 : (p.numbers[1] > 0 || g == 2) ? 2 : 3;
    add(Op::kGe, Lowest(p));
    add(Op::kLt, Above(Bump(p, keep)));
  } else {
    return Error::Invalid(fmt::format("unknown operator \"{}\"", op));
  }
  return OkStatus();
}

struct Token {
  std::string_view op;
  std::string_view version;
};

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\t')) ++i;
  };
  while (true) {
    skip_space();
    if (i >= text.size()) return tokens;
    size_t op_start = i;
    while (i < text.size() && std::string_view("<>=!~^").find(text[i]) != std::string_view::npos) {
      ++i;
    }
    Token token{text.substr(op_start, i - op_start), {}};
    if (!token.op.empty()) skip_space();  // ">= 1.0" is one comparator
    size_t version_start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '\t') ++i;
    token.version = text.substr(version_start, i - version_start);
    tokens.push_back(token);
  }
}

Result<Constraint::Alternative> ParseAlternative(std::string_view text) {
  std::vector<Token> tokens = Tokenize(text);
  if (tokens.empty()) return Error::Invalid("empty alternative");
  Constraint::Alternative alternative;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    Result<Partial> p = ParsePartial(token.version);
    if (!p.ok()) return std::move(p).error();
    if (!p->prerelease.empty()) alternative.allow_prerelease = true;
    bool hyphen = i + 2 < tokens.size() && tokens[i + 1].op.empty() && tokens[i + 1].version == "-";
    if (!hyphen) {
      CAPSTAN_TRY(Translate(token.op, *p, alternative.comparisons));
      continue;
    }
    if (!token.op.empty() || !tokens[i + 2].op.empty()) {
      return Error::Invalid("a hyphen range takes plain versions");
    }
    Result<Partial> upper = ParsePartial(tokens[i + 2].version);
    if (!upper.ok()) return std::move(upper).error();
    if (!upper->prerelease.empty()) alternative.allow_prerelease = true;
    CAPSTAN_TRY(Translate(">=", *p, alternative.comparisons));
    CAPSTAN_TRY(Translate("<=", *upper, alternative.comparisons));
    i += 2;
  }
  return alternative;
}

bool Holds(const Comparison& c, const Version& v) {
  int cmp = CompareVersions(v, c.version);
  switch (c.op) {
    case Op::kEq:
      return cmp == 0;
    case Op::kNe:
      return cmp != 0;
    case Op::kLt:
      return cmp < 0;
    case Op::kLe:
      return cmp <= 0;
    case Op::kGt:
      return cmp > 0;
    case Op::kGe:
      return cmp >= 0;
  }
  return false;
}

}  // namespace

Result<Constraint> Constraint::Parse(std::string_view text) {
  Constraint constraint{std::string(text)};
  size_t start = 0;
  while (true) {
    size_t bar = text.find("||", start);
    std::string_view part = text.substr(start, bar == std::string_view::npos ? bar : bar - start);
    Result<Alternative> alternative = ParseAlternative(part);
    if (!alternative.ok()) {
      return std::move(alternative).error().Wrap(fmt::format("version constraint \"{}\"", text));
    }
    constraint.alternatives_.push_back(std::move(alternative).value());
    if (bar == std::string_view::npos) return constraint;
    start = bar + 2;
  }
}

bool Constraint::Matches(const Version& version) const {
  for (const Alternative& alternative : alternatives_) {
    if (version.IsPrerelease() && !alternative.allow_prerelease) continue;
    bool all = true;
    for (const Comparison& c : alternative.comparisons) all = all && Holds(c, version);
    if (all) return true;
  }
  return false;
}

std::optional<size_t> Constraint::Highest(const std::vector<std::string>& candidates) const {
  std::optional<size_t> best;
  Version best_version;
  for (size_t i = 0; i < candidates.size(); ++i) {
    Result<Version> version = ParseVersion(candidates[i]);
    if (!version.ok() || !Matches(*version)) continue;
    if (!best || CompareVersions(*version, best_version) > 0) {
      best = i;
      best_version = std::move(version).value();
    }
  }
  return best;
}

}  // namespace capstan::source
