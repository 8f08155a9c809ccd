// Internal to the kustomize builder: one object on its way through a build, with the
// identity history kustomize keeps for it (earlier names, namespaces and kinds, the
// prefixes and suffixes added), and the list of such objects in load order.
//
// Identity follows kustomize's rules: a namespaced object without a namespace is in
// "default"; a kind known to be cluster-scoped has no namespace at all (the table of
// those is the one kustomize uses, matched on apiVersion and kind). Unknown kinds, custom
// resources included, count as namespaced.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::render::kustomize {

// Group, version, kind, name and namespace of one object as written.
struct ResId {
  std::string group, version, kind, name, ns;

  // "Deployment.v1.apps/web.default" style, for messages.
  std::string ToString() const;
};

// Whether kustomize treats (apiVersion, kind) as cluster-scoped.
bool IsClusterScoped(std::string_view group, std::string_view version, std::string_view kind);
bool IsClusterScoped(const ResId& id);

// The namespace used to compare ids: "" for cluster-scoped kinds (kustomize spells it
// "_non_namespaceable_"), "default" for an empty namespace, else the namespace.
std::string EffectiveNamespace(const ResId& id);

// Same group, version, kind and name, and the same effective namespace.
bool IdEquals(const ResId& a, const ResId& b);

// A selector of group/version/kind where empty fields match anything.
struct Gvk {
  std::string group, version, kind;
};
bool GvkSelects(const Gvk& selector, const ResId& id);

// Splits "apps/v1" into group "apps" and version "v1"; "v1" into "" and "v1".
void SplitApiVersion(std::string_view api_version, std::string* group, std::string* version);

enum class GenerationBehavior { kUnspecified, kCreate, kReplace, kMerge };
GenerationBehavior ParseGenerationBehavior(std::string_view text);

struct Resource {
  Value object;
  std::string source;  // file it was read from, relative to the root; "" when generated

  // Earlier (namespace, name, kind) of this object, oldest first; the group and version
  // are always the current ones. kustomize appends one whenever a transformer may rename.
  struct PreviousId {
    std::string ns, name, kind;
  };
  std::vector<PreviousId> previous;
  std::vector<std::string> prefixes;  // namePrefix values applied, innermost first
  std::vector<std::string> suffixes;
  GenerationBehavior behavior = GenerationBehavior::kUnspecified;
  bool needs_hash = false;  // a generated ConfigMap/Secret whose name gets a content hash

  ResId CurId() const;
  std::vector<ResId> PrevIds() const;
  // The first previous id, or the current one when it was never renamed.
  ResId OrgId() const;
  // Records the current id as a previous one (before a rename).
  void StorePreviousId();
  // True when the object was deleted (by a `$patch: delete`) and must be dropped.
  bool IsEmpty() const;
};

using ResMap = std::vector<Resource>;

// Appends `resource`, refusing an id already present ("may not add resource with an
// already registered id").
Status AppendResource(ResMap& map, Resource resource);

// Adds a generated resource the way kustomize absorbs generator output: appended when
// new (behavior create/unspecified), or merged into / replacing the one object whose
// current or previous id matches (behavior merge / replace).
Status AbsorbGenerated(ResMap& map, Resource resource);

// Indexes of the objects any of whose ids (previous or current) equals `id`.
std::vector<size_t> MatchAnyId(const ResMap& map, const ResId& id);

// The textual value of a scalar as Kubernetes would print it ("3", "true"); "" for
// null, and "" for maps and lists.
std::string ScalarText(const Value& value);

}  // namespace capstan::render::kustomize
