// Diff and DiffAll: the steps of diff.h in order. Each step lives in its own file.
#include "diff/diff.h"

#include <fmt/format.h>

#include <map>

#include "core/json.h"
#include "core/log.h"
#include "diff/internal/steps.h"

namespace capstan::diff {
namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// kubectl's record of what was applied last, normalized like the live object; nullopt
// when there is none or it does not parse (then only fields desired sets are compared).
std::optional<Value> LastApplied(const Value& live, const ObjectKey& key) {
  const Value* text = live.At({"metadata", "annotations"});
  if (text != nullptr) text = text->Find(kLastApplied);
  if (text == nullptr || !text->is_string()) return std::nullopt;
  auto parsed = ParseJson(text->as_string(), kLastApplied);
  if (!parsed.ok() || !parsed->is_object()) {
    // The message would quote the annotation, which may hold a Secret's values.
    Log(LogLevel::kWarning, "{}: ignoring an unreadable {} annotation", key.ToString(),
        kLastApplied);
    return std::nullopt;
  }
  Value applied = std::move(parsed).value();
  internal::Normalize(applied, key);
  return applied;
}

Status Ignore(const std::vector<const IgnoreDifference*>& ignores, const Value* managed,
              Value& object) {
  if (ignores.empty() || object.is_null()) return OkStatus();
  return internal::ApplyIgnores(ignores, managed, object);
}

}  // namespace

std::string_view ChangeName(Change change) {
  switch (change) {
    case Change::kUnchanged:
      return "Unchanged";
    case Change::kModified:
      return "Modified";
    case Change::kAdded:
      return "Added";
    case Change::kRemoved:
      return "Removed";
  }
  return "Unknown";
}

Result<ObjectDiff> Diff(const Value* desired, const Value* live, const DiffOptions& options) {
  if (desired == nullptr && live == nullptr) {
    return Error::Internal("diff: neither a desired nor a live object was given");
  }
  if (desired != nullptr) {
    if (Status valid = ValidateObject(*desired); !valid.ok()) return valid.error().Wrap("desired");
  }
  if (live != nullptr) {
    if (Status valid = ValidateObject(*live); !valid.ok()) return valid.error().Wrap("live");
  }
  ObjectKey key = internal::ComparedKey(desired != nullptr ? *desired : *live, options);
  if (desired != nullptr && live != nullptr) {
    ObjectKey live_key = internal::ComparedKey(*live, options);
    if (live_key != key) {
      return Error::Invalid(fmt::format("desired {} and live {} are different objects",
                                        key.ToString(), live_key.ToString()));
    }
  }
  auto ignores = internal::MatchingIgnores(key, options);
  if (!ignores.ok()) return std::move(ignores).error().Wrap(key.ToString());

  ObjectDiff out;
  out.key = key;
  const Value* managed = live != nullptr ? live->At({"metadata", "managedFields"}) : nullptr;
  std::optional<Value> applied = live != nullptr ? LastApplied(*live, key) : std::nullopt;
  if (desired != nullptr) {
    out.desired = *desired;
    internal::Normalize(out.desired, key);
  }
  if (live != nullptr) {
    out.live = *live;
    internal::Normalize(out.live, key);
  }
  Value written = out.desired;
  if (desired != nullptr && live != nullptr && options.apply_defaults) {
    internal::ApplyDefaults(out.desired);
  }
  for (Value* side : {&out.desired, &written, &out.live}) {
    if (Status s = Ignore(*ignores, managed, *side); !s.ok()) return s.error().Wrap(key.ToString());
  }
  if (applied) {
    if (Status s = Ignore(*ignores, managed, *applied); !s.ok()) {
      return s.error().Wrap(key.ToString());
    }
  }
  if (desired != nullptr && live != nullptr) {
    internal::Align(out.desired, written, out.live, applied ? &*applied : nullptr);
  }
  if (options.redact_secrets && key.group.empty() && key.kind == "Secret") {
    internal::RedactSecret(desired != nullptr ? &out.desired : nullptr,
                           live != nullptr ? &out.live : nullptr);
  }
  if (desired == nullptr) {
    out.change = Change::kRemoved;
  } else if (live == nullptr) {
    out.change = Change::kAdded;
  } else {
    out.changes = internal::Compare(out.desired, out.live);
    out.change = out.changes.empty() ? Change::kUnchanged : Change::kModified;
  }
  return out;
}

namespace {

// Key -> position, refusing invalid objects and duplicates.
Result<std::map<ObjectKey, size_t>> IndexByKey(const std::vector<Manifest>& manifests,
                                               std::string_view side, const DiffOptions& options) {
  std::map<ObjectKey, size_t> index;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    std::string source = m.source.empty() ? std::string(side) : m.source;
    if (Status valid = ValidateObject(m.object); !valid.ok()) {
      return valid.error().Wrap(fmt::format("{} object {} ({})", side, i + 1, source));
    }
    ObjectKey key = internal::ComparedKey(m.object, options);
    auto [it, inserted] = index.emplace(key, i);
    if (!inserted) {
      return Error::Conflict(fmt::format("{} {} is defined twice: in {} and in {}", side,
                                         key.ToString(), manifests[it->second].source, source));
    }
  }
  return index;
}

}  // namespace

Result<DiffSet> DiffAll(const std::vector<Manifest>& desired, const std::vector<Manifest>& live,
                        const DiffOptions& options) {
  auto desired_index = IndexByKey(desired, "desired", options);
  if (!desired_index.ok()) return std::move(desired_index).error();
  auto live_index = IndexByKey(live, "live", options);
  if (!live_index.ok()) return std::move(live_index).error();

  DiffSet set;
  std::vector<bool> live_paired(live.size(), false);
  auto add = [&](const Manifest* d, const Manifest* l) -> Status {
    auto result =
        Diff(d != nullptr ? &d->object : nullptr, l != nullptr ? &l->object : nullptr, options);
    if (!result.ok()) {
      return std::move(result).error().Wrap(d != nullptr ? d->source : l->source);
    }
    ObjectDiff object = std::move(result).value();
    if (d != nullptr) object.desired_source = d->source;
    if (l != nullptr) object.live_source = l->source;
    switch (object.change) {
      case Change::kUnchanged:
        ++set.summary.unchanged;
        break;
      case Change::kModified:
        ++set.summary.modified;
        break;
      case Change::kAdded:
        ++set.summary.added;
        break;
      case Change::kRemoved:
        ++set.summary.removed;
        break;
    }
    set.objects.push_back(std::move(object));
    return OkStatus();
  };
  for (const Manifest& d : desired) {
    auto it = live_index->find(internal::ComparedKey(d.object, options));
    const Manifest* l = nullptr;
    if (it != live_index->end()) {
      l = &live[it->second];
      live_paired[it->second] = true;
    }
    CAPSTAN_TRY(add(&d, l));
  }
  for (size_t j = 0; j < live.size(); ++j) {
    if (!live_paired[j]) CAPSTAN_TRY(add(nullptr, &live[j]));
  }
  return set;
}

}  // namespace capstan::diff
