// Reading the sync annotations of one object (Argo CD's and Helm's). Internal to sync.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "sync/plan.h"

namespace capstan::sync::internal {

// The comma-separated values of `annotation`, trimmed, empty ones and repeats dropped, in
// the order written. Empty when the annotation is missing.
std::vector<std::string> AnnotationList(const Value& object, std::string_view annotation);

// Whether argocd.argoproj.io/sync-options holds `option` ("Prune=false").
bool HasSyncOption(const Value& object, std::string_view option);

// A hook: it carries argocd.argoproj.io/hook (and is not only "Skip"), or, without it, a
// helm.sh/hook other than "crd-install" (Helm's marker for CRDs, which are not hooks).
bool IsHook(const Value& object);

// The phases an object is applied in: {Sync} for an ordinary object; none for
// `hook: Skip`; for a hook, each of its Sync-time types (PreSync, Sync, PostSync,
// SyncFail) in phase order. Helm's types count only when the object has no Argo CD hook
// type: pre-install/pre-upgrade → PreSync, post-install/post-upgrade → PostSync.
std::vector<Phase> PhasesOf(const Value& object);

// The hook delete policies of Argo CD's and Helm's annotations; BeforeHookCreation when
// there are none.
std::vector<HookDeletePolicy> DeletePoliciesOf(const Value& object);

// argocd.argoproj.io/sync-wave, else helm.sh/hook-weight, else 0. Invalid when the
// annotation is not an integer; the message names the object, the annotation and `source`.
Result<int> WaveOf(const Value& object, std::string_view source);

// Invalid for sync options capstan does not honour (Replace=true, Force=true).
Status CheckSyncOptions(const Value& object, std::string_view source);

// The position of `kind` in Helm's install order (negative), 0 for kinds not listed, so
// custom resources go after everything known.
int KindOrder(std::string_view kind);

// "apps/Deployment default/web (path/file.yaml)" for messages.
std::string Describe(const Value& object, std::string_view source);

}  // namespace capstan::sync::internal
