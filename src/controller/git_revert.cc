// `capstan app rollback --git-revert`: roll back by writing to Git instead of pinning, so
// Git stays the single source of truth and the rollback is reviewed like any commit.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "core/json.h"
#include "core/log.h"

namespace capstan::controller {

Result<std::string> AppController::RevertInGit(const std::string& app, int64_t history_id,
                                               const std::string& actor,
                                               const std::string& source_address) {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  Application spec;
  {
    std::lock_guard lock(state->mu);
    spec = state->spec;
  }
  auto history = store_.History(app);
  if (!history.ok()) return history.error();
  std::string good;
  for (const store::HistoryRecord& record : *history) {
    if (record.id == history_id) good = record.revision;
  }
  if (good.empty()) {
    return Error::NotFound(
        fmt::format("application {}: no history entry {} (see `capstan app history {}`)", app,
                    history_id, app));
  }
  // Only a branch can take a commit: a tag, a SHA or a semver range would not move to it.
  auto target = revisions_.Resolve(spec.source.repo_url, spec.source.target_revision, true);
  if (!target.ok()) return target.error();
  const std::string& ref = target->resolved.ref;
  if (ref != "HEAD" && ref.rfind("refs/heads/", 0) != 0) {
    return Error::Invalid(fmt::format(
        "application {}: --git-revert needs spec.source.targetRevision to be a branch, and {} "
        "resolves to {}; roll back without --git-revert to pin instead",
        app, spec.source.target_revision, ref));
  }
  source::RevertRequest request;
  request.url = spec.source.repo_url;
  request.branch = ref == "HEAD" ? "" : ref;
  request.good_revision = good;
  request.path = spec.source.path;
  request.expected_head = target->resolved.sha;
  source::WriteOptions write;
  write.author = {"capstan", "capstan@localhost"};
  write.committer = write.author;
  write.credentials = revisions_.credentials();
  auto commit = source::RevertToRevision(revisions_.cache(), request, write);
  if (!commit.ok()) return commit.error().Wrap(fmt::format("application {}: --git-revert", app));

  Value details = Value::MakeObject();
  details.Set("historyId", history_id);
  details.Set("revision", good);
  details.Set("revertCommit", *commit);
  Audit(actor, "rollback-git-revert", app, details, source_address);
  Log(LogLevel::kInfo, "app {}: revert commit {} brings {} back to {}", app, commit->substr(0, 7),
      spec.source.path.empty() ? "the repository" : spec.source.path, good.substr(0, 7));

  if (spec.sync_policy.automated) {
    revisions_.MarkStale(spec.source.repo_url);
    Refresh(app);
  } else {
    SyncRequest sync;
    sync.actor = actor;
    sync.source_address = source_address;
    sync.prune = spec.sync_policy.prune;
    sync.reason =
        fmt::format("rollback to history {} by revert commit {}", history_id, commit->substr(0, 7));
    if (auto started = RequestSync(app, sync); !started.ok()) return started.error();
  }
  return commit;
}

}  // namespace capstan::controller
