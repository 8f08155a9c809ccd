// Reconcile steps 2 and 3: which commit to compare and sync, and its rendered objects.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "core/json.h"
#include "core/log.h"
#include "diff/diff.h"
#include "render/cache.h"

namespace capstan::controller {

// A rollback pins the Application to a commit "until a newer commit arrives": the pin
// remembers which commit the target revision pointed at when it was set, and is dropped
// once the target revision points elsewhere.
Result<Revision> AppController::ResolveRevision(const std::string& name, const Application& app,
                                                const std::optional<SyncRequest>& pending,
                                                const std::string& pinned, bool refresh,
                                                AppState& state) {
  const std::string& url = app.source.repo_url;
  if (pending && !pending->revision.empty()) {
    return revisions_.Resolve(url, pending->revision, refresh);
  }
  auto target = revisions_.Resolve(url, app.source.target_revision, refresh);
  if (!target.ok() || pinned.empty()) return target;
  std::string pinned_target;
  {
    std::lock_guard lock(state.mu);
    pinned_target = state.pinned_target_sha;
  }
  if (!pinned_target.empty() && target->resolved.sha != pinned_target) {
    Log(LogLevel::kInfo, "app {}: {} moved to {}; rollback pin to {} released", name,
        app.source.target_revision, target->resolved.sha.substr(0, 7), pinned.substr(0, 7));
    (void)store_.ClearPin(name);
    Value details = Value::MakeObject();
    details.Set("pinnedRevision", pinned);
    details.Set("newRevision", target->resolved.sha);
    Audit("automated", "unpin", name, details);
    std::lock_guard lock(state.mu);
    state.pinned_revision.clear();
    state.pinned_target_sha.clear();
    return target;
  }
  return revisions_.Resolve(url, pinned, false);
}

Result<std::vector<Manifest>> AppController::RenderRevision(const Application& app,
                                                            const Revision& revision) {
  auto request = ToRenderRequest(app, revision.checkout);
  if (!request.ok()) return request.error();
  std::string key = render::RenderRequestKey(*request);
  {
    std::lock_guard lock(render_mu_);
    auto it = renders_.find(key);
    if (it != renders_.end()) return *it->second;
  }
  auto rendered = render::Render(*request);
  if (!rendered.ok()) {
    return rendered.error().Wrap(fmt::format("render {} at {}",
                                             app.source.path.empty() ? "." : app.source.path,
                                             revision.resolved.sha.substr(0, 7)));
  }
  auto manifests = std::make_shared<const std::vector<Manifest>>(std::move(rendered->manifests));
  std::lock_guard lock(render_mu_);
  if (renders_.size() >= kMaxRenders) renders_.clear();
  renders_[key] = manifests;
  return *manifests;
}

// Argo CD applies a namespaced object without metadata.namespace in the destination
// namespace; the keys must carry it so that they match the live objects'.
void AppController::FillNamespaces(const Application& app, target::Target& target,
                                   std::vector<Manifest>& desired) {
  std::string ns = app.destination.namespace_.empty() ? "default" : app.destination.namespace_;
  for (Manifest& manifest : desired) {
    Value& object = manifest.object;
    if (!NamespaceOf(object).empty()) continue;
    std::string api_version(object.StringAt({"apiVersion"}));
    std::string kind(KindOf(object));
    auto info = target.LookupKind(api_version, kind);
    bool namespaced =
        info.ok() ? info->namespaced : !diff::IsClusterScoped(GroupOf(api_version), kind);
    if (namespaced) object["metadata"].Set("namespace", ns);
  }
}

}  // namespace capstan::controller
