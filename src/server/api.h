// capstan server's HTTP API: Applications in Argo CD's shape, sync and rollback, history,
// the audit log, the webhook receiver and /metrics. `capstan app ...` is its client.
//
//   GET  /api/v1/applications                   {"items": [Application...]}
//   GET  /api/v1/applications/:name             one Application with status
//   GET  /api/v1/applications/:name/diff        unified diff, text ("" when in sync)
//   GET  /api/v1/applications/:name/history    {"items": [...]} newest first
//   POST /api/v1/applications/:name/sync        {"revision","prune","dryRun"} → {"operationId"}
//   POST /api/v1/applications/:name/rollback    {"id","gitRevert"} → {"operationId","message"}
//   POST /api/v1/applications/:name/terminate-op  stop the running operation
//   POST /api/v1/applications/:name/rollout-undo  {"deployment","namespace","toRevision"}
//   GET  /api/v1/rollouts                       {"items": [{application, namespace, name,
//                                               phase, message, step, setWeight, ...}]}
//   GET  /api/v1/rollouts/:name?namespace=&app=&history=N
//                                               {"application","destination","rollout",
//                                               "replicaSets","analysisRuns","summary",
//                                               "history"}
//   POST /api/v1/rollouts/:name/:action         promote|abort|retry|pause|resume|undo;
//                                               {"namespace","app","full","toRevision"}
//                                               → {"message","rollout"}
//   GET  /api/v1/audit?app=NAME&limit=N         {"items": [...]} newest first
//   POST /api/webhook                           GitHub, GitLab, Gitea push events
//   GET  /metrics                               Prometheus text format
//   GET  /healthz                               "ok"
// Who acted is taken from the X-Capstan-Actor header (the CLI sends user@host) and recorded
// with the client's address in the audit log. There is no authentication yet: the server
// listens on loopback by default.
#pragma once

#include <functional>
#include <string>

#include "controller/app_controller.h"
#include "server/http_server.h"
#include "source/webhook.h"

namespace capstan::server {

struct ApiOptions {
  source::WebhookSecrets webhook_secrets;
  // More Prometheus text appended to /metrics (the local target's proxy); may be empty.
  std::function<std::string()> extra_metrics;
  // Called after a Rollout was steered (the Rollout controller acts on it at once); may be
  // empty.
  std::function<void()> on_rollout_steered;
};

// Adds every route above to `server`. `controller` must outlive it.
void AddApiRoutes(HttpServer& server, controller::AppController& controller,
                  const ApiOptions& options);

// The /api/v1/rollouts routes (api_rollouts.cc); AddApiRoutes adds them.
void AddRolloutRoutes(HttpServer& server, controller::AppController& controller,
                      std::function<void()> on_steered);

}  // namespace capstan::server
