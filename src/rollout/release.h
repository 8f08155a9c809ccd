// release: what a release *is*, kept as three separate versions so that history can say
// which changed: the application's version (the pod template's app.kubernetes.io/version
// label), the pod template's version (its rollouts-pod-template-hash, which any change of
// the template moves) and the image versions (each container's image tag and digest). The
// Rollout's ReplicaSets carry the first container's tag as the label capstan.dev/image-tag
// (set when the ReplicaSet is created) and their pods the role label capstan.dev/role
// (stable, canary, preview, active; moved as the release advances).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace capstan::rollout {

struct ImageVersion {
  std::string container;
  std::string image;   // as written
  std::string tag;     // "latest" when the image names neither a tag nor a digest
  std::string digest;  // "sha256:..." or ""
  friend bool operator==(const ImageVersion&, const ImageVersion&) = default;
};

// One release of a Rollout, as recorded in history at every step.
struct ReleaseIdentity {
  int64_t revision = 0;              // rollout.argoproj.io/revision of the ReplicaSet
  std::string pod_template_hash;     // rollouts-pod-template-hash
  std::string app_version;           // app.kubernetes.io/version ("" when the template has none)
  std::vector<ImageVersion> images;  // containers, then init containers, in spec order
  std::string role;  // stable, canary, preview, active or "" (an old release), from the status

  // "revision 2 (6b8f7d9c5), app 1.4.0, images web:v2" — for history and the CLI.
  std::string ToString() const;
};

// The identity of `replica_set`, one of `rollout`'s. Its role comes from the Rollout's status
// (stableRS, currentPodHash, blueGreen.activeSelector/previewSelector), so it is right even
// before the role label reaches the pods.
ReleaseIdentity ReleaseId(const Value& rollout, const Value& replica_set);

// "registry:5000/shop/web:v2@sha256:ab..": the tag ("v2") and digest ("sha256:ab..").
ImageVersion ParseImage(std::string_view container, std::string_view image);

// The value of capstan.dev/image-tag for a pod template: the first container's tag, made a
// valid label value (at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends; a
// digest-only image gives "sha256-" and the digest's first 56 hex digits). "" when the
// template has no container.
std::string ImageTagLabelValue(const Value& pod_template);

}  // namespace capstan::rollout
