// Semantic versions (semver.org 2.0.0) and version constraints over them, for choosing a
// Git tag from a range such as `v1.2.*`, `>=1.0.0 <2.0.0`, `^1.2` or `~1.2.3`.
// Pure functions on strings: no I/O, safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace capstan::source {

struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers after '-'; empty: a release
  std::string build;                    // after '+'; ignored by comparisons

  bool IsPrerelease() const { return !prerelease.empty(); }
};

// Parses a full version, `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, with an optional leading
// `v` or `V` ("v1.2.3", "1.0.0-rc.1"). Refuses partial versions ("1.2"), leading zeros
// ("01.2.3") and empty identifiers, naming the text.
Result<Version> ParseVersion(std::string_view text);

// Semver precedence: negative, zero or positive as a <, ==, > b. Build metadata is ignored;
// a pre-release sorts before its release ("1.0.0-rc.1" < "1.0.0"); numeric identifiers
// compare as numbers and sort before alphanumeric ones.
int CompareVersions(const Version& a, const Version& b);

// A set of versions, written as in npm and Masterminds/semver (which Argo CD uses):
//   alternatives separated by `||`; within one, comparators separated by spaces or commas,
//   all of which must hold. A comparator is an operator and a version that may be partial
//   or hold wildcards (`*`, `x`, `X`) and may start with `v`:
//     `1.2.3`, `=1.2.3`  exactly;     `!=1.2.3`  anything else
//     `1.2`, `1.2.*`      >=1.2.0 <1.3.0;    `*`  any version
//     `>1.2.3` `>=1.2` `<2` `<=1.4`   partial versions cover their whole range
//                                       (`>1.2` is >=1.3.0, `<=1.4` is <1.5.0)
//     `~1.2.3` >=1.2.3 <1.3.0;  `~1.2` >=1.2.0 <1.3.0;  `~1` >=1.0.0 <2.0.0  (`~>` too)
//     `^1.2.3` >=1.2.3 <2.0.0;  `^0.2.3` >=0.2.3 <0.3.0;  `^0.0.3` >=0.0.3 <0.0.4
//     `1.2 - 1.4.5`  >=1.2.0 <=1.4.5 (a hyphen range, spaces around the hyphen)
// Pre-releases: a pre-release version matches an alternative only when one of that
// alternative's comparators names a pre-release itself (`>=1.0.0-0`, `~2.0.0-rc.1`);
// otherwise only releases match, so `^1.2` never picks "1.3.0-beta".
class Constraint {
 public:
  // Parses `text`, refusing an empty one or anything that is not a comparator list, with a
  // message quoting the part that is wrong.
  static Result<Constraint> Parse(std::string_view text);

  bool Matches(const Version& version) const;

  // The highest of `candidates` (tag names; those that are not versions are skipped) that
  // matches, as its index; nullopt when none does. On equal precedence ("v1.0.0" and
  // "1.0.0") the first one wins.
  std::optional<size_t> Highest(const std::vector<std::string>& candidates) const;

  const std::string& text() const { return text_; }

  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };
  struct Comparison {
    Op op;
    Version version;
  };
  // All comparisons must hold; `allow_prerelease` when one of them was written with one.
  struct Alternative {
    std::vector<Comparison> comparisons;
    bool allow_prerelease = false;
  };

 private:
  explicit Constraint(std::string text) : text_(std::move(text)) {}

  std::string text_;
  std::vector<Alternative> alternatives_;  // any one must hold
};

}  // namespace capstan::source
