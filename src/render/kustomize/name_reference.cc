#include "render/kustomize/name_reference.h"

#include <fmt/format.h>

#include <functional>
#include <set>

#include "render/kustomize/builtin_config.h"
#include "render/kustomize/field_spec.h"

namespace capstan::render::kustomize {
namespace {

// What the selection needs to know of each object, taken before any field changes.
struct Candidate {
  ResId current;
  std::vector<ResId> previous;
  std::string original_namespace;  // effective namespace of the original id
  const std::vector<std::string>* prefixes;
  const std::vector<std::string>* suffixes;
};

bool SameEndingSubSlice(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto& shorter = a.size() <= b.size() ? a : b;
  const auto& longer = a.size() <= b.size() ? b : a;
  size_t diff = longer.size() - shorter.size();
  if (shorter.empty()) return diff == 0;
  for (size_t i = 0; i < shorter.size(); ++i) {
    if (longer[i + diff] != shorter[i]) return false;
  }
  return true;
}

bool AffixesEqual(const Candidate& c, const Resource& referrer, bool allow_empty) {
  bool prefixes_ok = SameEndingSubSlice(*c.prefixes, referrer.prefixes);
  bool suffixes_ok = SameEndingSubSlice(*c.suffixes, referrer.suffixes);
  if (allow_empty) {
    prefixes_ok |= c.prefixes->empty() || referrer.prefixes.empty();
    suffixes_ok |= c.suffixes->empty() || referrer.suffixes.empty();
  }
  return prefixes_ok && suffixes_ok;
}

using Sieve = std::function<bool(const Candidate&)>;

std::vector<const Candidate*> Keep(const std::vector<const Candidate*>& in, const Sieve& keep) {
  std::vector<const Candidate*> out;
  for (const auto* c : in) {
    if (keep(*c)) out.push_back(c);
  }
  return out;
}

class Fixer {
 public:
  Fixer(Resource& referrer, const FieldSpec& spec, const Gvk& target,
        std::vector<const Candidate*> visible)
      : referrer_(referrer), spec_(spec), target_(target), visible_(std::move(visible)) {}

  Status Set(Value& node) {
    if (node.is_null()) return OkStatus();
    if (node.is_object()) return SetMapping(node);
    if (node.is_array()) {
      for (Value& element : node.as_array()) {
        if (element.is_null()) continue;
        if (element.is_object()) {
          CAPSTAN_TRY(SetMapping(element));
        } else if (element.is_array()) {
          return Error::Invalid(fmt::format("{}: expected names or maps in the list", spec_.path));
        } else {
          CAPSTAN_TRY(SetScalar(element));
        }
      }
      return OkStatus();
    }
    return SetScalar(node);
  }

 private:
  Status SetScalar(Value& node) {
    std::string old_name = ScalarText(node);
    const Candidate* referral = nullptr;
    CAPSTAN_TRY(Select(old_name, visible_, /*compare_namespaces=*/false, &referral));
    if (referral == nullptr || referral->current.name == old_name) return OkStatus();
    node = Value(referral->current.name);
    return OkStatus();
  }

  Status SetMapping(Value& node) {
    const Value* name = node.Find("name");
    if (name == nullptr) {
      return Error::Invalid(fmt::format("{}: a map here needs a name field", spec_.path));
    }
    std::string old_name = ScalarText(*name);
    std::vector<const Candidate*> candidates = visible_;
    if (const Value* ns = node.Find("namespace")) {
      std::string wanted = ScalarText(*ns);
      candidates =
          Keep(visible_, [&](const Candidate& c) { return c.original_namespace == wanted; });
      if (candidates.empty()) {
        candidates = Keep(
            visible_, [&](const Candidate& c) { return EffectiveNamespace(c.current) == wanted; });
      }
    }
    const Candidate* referral = nullptr;
    CAPSTAN_TRY(Select(old_name, candidates, /*compare_namespaces=*/true, &referral));
    if (referral == nullptr) return OkStatus();
    if (referral->current.name == old_name && referral->current.ns.empty()) return OkStatus();
    node.Set("name", referral->current.name);
    // An empty namespace is a wildcard, not "default": leave the field as written.
    if (!referral->current.ns.empty()) node.Set("namespace", referral->current.ns);
    return OkStatus();
  }

  Status Select(const std::string& old_name, std::vector<const Candidate*> candidates,
                bool compare_namespaces, const Candidate** out) {
    candidates = Keep(candidates, [&](const Candidate& c) {
      for (const auto& id : c.previous) {
        if (id.name == old_name) return true;
      }
      return false;
    });
    candidates = Keep(candidates, [&](const Candidate& c) {
      for (const auto& id : c.previous) {
        if (GvkSelects(target_, id)) return true;
      }
      return false;
    });
    if (spec_.path.ends_with("roleRef/name")) {
      std::string_view group = referrer_.object.StringAt({"roleRef", "apiGroup"});
      std::string_view kind = referrer_.object.StringAt({"roleRef", "kind"});
      if (referrer_.object.At({"roleRef", "apiGroup"}) &&
          referrer_.object.At({"roleRef", "kind"})) {
        Gvk role{std::string(group), "", std::string(kind)};
        candidates = Keep(candidates, [&](const Candidate& c) {
          for (const auto& id : c.previous) {
            if (GvkSelects(role, id)) return true;
          }
          return false;
        });
      }
    }
    ResId referrer_id = referrer_.CurId();
    if (!IsClusterScoped(referrer_id)) {
      candidates = Keep(candidates, [&](const Candidate& c) {
        return IsClusterScoped(c.current) || c.current.kind == "ServiceAccount" ||
               EffectiveNamespace(c.current) == EffectiveNamespace(referrer_id);
      });
    }
    if (candidates.size() != 1) {
      candidates =
          Keep(candidates, [&](const Candidate& c) { return AffixesEqual(c, referrer_, true); });
      if (candidates.size() > 1) {
        candidates =
            Keep(candidates, [&](const Candidate& c) { return AffixesEqual(c, referrer_, false); });
      }
    }
    *out = nullptr;
    if (candidates.empty()) return OkStatus();
    bool identical = true;
    for (const auto* c : candidates) {
      identical &= c->current.name == candidates.front()->current.name &&
                   (!compare_namespaces || c->current.ns == candidates.front()->current.ns);
    }
    if (!identical) {
      std::string names;
      for (const auto* c : candidates) names += (names.empty() ? "" : ", ") + c->current.ToString();
      return Error::Conflict(
          fmt::format("{} {}: {}: the name \"{}\" could refer to several objects: {}",
                      referrer_id.kind, referrer_id.name, spec_.path, old_name, names));
    }
    *out = candidates.front();
    return OkStatus();
  }

  Resource& referrer_;
  const FieldSpec& spec_;
  const Gvk& target_;
  std::vector<const Candidate*> visible_;
};

// The objects `referrer` may name: all when it is cluster-scoped; else the cluster-scoped
// ones, those in its namespace and, for a RoleBinding, those in its subjects' namespaces.
Result<std::vector<const Candidate*>> Visible(const Resource& referrer,
                                              const std::vector<Candidate>& all) {
  std::vector<const Candidate*> out;
  ResId id = referrer.CurId();
  std::set<std::string> binding_namespaces;
  if (id.kind == "RoleBinding") {
    if (const Value* subjects = referrer.object.Find("subjects");
        subjects && subjects->is_array()) {
      for (const Value& subject : subjects->as_array()) {
        const Value* ns = subject.Find("namespace");
        if (ns == nullptr || subject.StringAt({"kind"}) != "ServiceAccount") continue;
        if (!ns->is_string()) {
          return Error::Invalid(
              fmt::format("RoleBinding {}: subjects: namespace must be a string", id.name));
        }
        binding_namespaces.insert(ns->as_string());
      }
    }
  }
  for (const auto& c : all) {
    if (IsClusterScoped(id) || IsClusterScoped(c.current) ||
        EffectiveNamespace(c.current) == EffectiveNamespace(id) ||
        binding_namespaces.contains(c.current.ns)) {
      out.push_back(&c);
    }
  }
  return out;
}

}  // namespace

Status FixNameReferences(ResMap& resources) {
  std::vector<Candidate> candidates;
  candidates.reserve(resources.size());
  for (const auto& r : resources) {
    candidates.push_back(
        Candidate{r.CurId(), r.PrevIds(), EffectiveNamespace(r.OrgId()), &r.prefixes, &r.suffixes});
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    Resource& referrer = resources[i];
    ResId original = referrer.OrgId();
    std::vector<std::pair<const FieldSpec*, const Gvk*>> fixes;
    for (const auto& backref : NameReferenceSpecs()) {
      for (const auto& spec : backref.referrers) {
        if (GvkSelects(spec.gvk, original)) fixes.emplace_back(&spec, &backref.target);
      }
    }
    if (fixes.empty()) continue;
    auto visible = Visible(referrer, candidates);
    if (!visible.ok()) return std::move(visible).error();
    for (const auto& [spec, target] : fixes) {
      Fixer fixer(referrer, *spec, *target, *visible);
      // The spec was chosen by the original kind; the walk applies to the object as it is.
      FieldSpec path_only{Gvk{}, spec->path, false};
      CAPSTAN_TRY(ApplyFieldSpec(referrer.object, path_only, CreateKind::kNone,
                                 [&](Value& node) { return fixer.Set(node); }));
    }
  }
  return OkStatus();
}

}  // namespace capstan::render::kustomize
