#include "server/api.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/log.h"
#include "server/internal/api_support.h"

namespace capstan::server {

using internal::ActorOf;
using internal::BodyOf;
using internal::ErrorResponse;

namespace {

bool BoolField(const Value& body, std::string_view name) {
  const Value* field = body.Find(name);
  return field != nullptr && field->is_bool() && field->as_bool();
}

std::string MetricLabel(std::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

std::string Metrics(controller::AppController& controller) {
  std::string text;
  text += "# HELP capstan_app_info One line per Application with its sync and health status.\n";
  text += "# TYPE capstan_app_info gauge\n";
  for (const Value& app : controller.List()) {
    text +=
        fmt::format("capstan_app_info{{name=\"{}\",sync_status=\"{}\",health_status=\"{}\"}} 1\n",
                    MetricLabel(app.StringAt({"metadata", "name"})),
                    MetricLabel(app.StringAt({"status", "sync", "status"}, "Unknown")),
                    MetricLabel(app.StringAt({"status", "health", "status"}, "Unknown")));
  }
  controller::AppController::Stats stats = controller.stats();
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    text += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("capstan_reconciles_total", "Reconciles run.", stats.reconciles);
  counter("capstan_reconcile_errors_total", "Reconciles that failed.", stats.reconcile_errors);
  counter("capstan_syncs_total", "Sync operations run.", stats.syncs);
  counter("capstan_self_heals_total", "Self-heal syncs started.", stats.self_heals);
  return text;
}

}  // namespace

void AddApiRoutes(HttpServer& server, controller::AppController& controller,
                  const ApiOptions& options) {
  server.Route("GET", "/healthz", [](const Request&) { return Response::Text(200, "ok\n"); });
  server.Route("GET", "/metrics", [&controller, extra = options.extra_metrics](const Request&) {
    Response response = Response::Text(200, Metrics(controller) + (extra ? extra() : ""));
    response.content_type = "text/plain; version=0.0.4";
    return response;
  });

  server.Route("GET", "/api/v1/applications", [&controller](const Request&) {
    Value list = Value::MakeObject();
    list.Set("items", Value(Value::Array(controller.List())));
    return Response::Json(200, list);
  });
  server.Route("GET", "/api/v1/applications/:name", [&controller](const Request& request) {
    auto app = controller.Get(request.params.at("name"));
    return app.ok() ? Response::Json(200, *app) : ErrorResponse(app.error());
  });
  server.Route("GET", "/api/v1/applications/:name/diff", [&controller](const Request& request) {
    auto text = controller.DiffText(request.params.at("name"));
    return text.ok() ? Response::Text(200, *text) : ErrorResponse(text.error());
  });
  server.Route("GET", "/api/v1/applications/:name/history", [&controller](const Request& request) {
    auto history = controller.History(request.params.at("name"));
    return history.ok() ? Response::Json(200, *history) : ErrorResponse(history.error());
  });
  server.Route("POST", "/api/v1/applications/:name/sync", [&controller](const Request& request) {
    auto body = BodyOf(request);
    if (!body.ok()) return ErrorResponse(body.error());
    controller::SyncRequest sync;
    sync.revision = std::string(body->StringAt({"revision"}));
    sync.prune = BoolField(*body, "prune");
    sync.dry_run = BoolField(*body, "dryRun");
    sync.actor = ActorOf(request);
    sync.source_address = request.remote_address;
    auto id = controller.RequestSync(request.params.at("name"), sync);
    if (!id.ok()) return ErrorResponse(id.error());
    Value answer = Value::MakeObject();
    answer.Set("operationId", *id);
    return Response::Json(202, answer);
  });
  server.Route(
      "POST", "/api/v1/applications/:name/rollback", [&controller](const Request& request) {
        auto body = BodyOf(request);
        if (!body.ok()) return ErrorResponse(body.error());
        const Value* id = body->Find("id");
        if (id == nullptr || !id->is_int()) {
          return Response::Error(400, "rollback: \"id\" (a history id) is required");
        }
        std::string name = request.params.at("name");
        if (BoolField(*body, "gitRevert")) {
          auto commit =
              controller.RevertInGit(name, id->as_int(), ActorOf(request), request.remote_address);
          if (!commit.ok()) return ErrorResponse(commit.error());
          Value answer = Value::MakeObject();
          answer.Set("revertCommit", *commit);
          answer.Set("message", fmt::format("pushed revert commit {} bringing history {} back",
                                            commit->substr(0, 7), id->as_int()));
          return Response::Json(202, answer);
        }
        auto operation =
            controller.Rollback(name, id->as_int(), ActorOf(request), request.remote_address);
        if (!operation.ok()) return ErrorResponse(operation.error());
        Value answer = Value::MakeObject();
        answer.Set("operationId", *operation);
        answer.Set("message", fmt::format("rolling back to history {}; pinned there until a "
                                          "newer commit arrives",
                                          id->as_int()));
        return Response::Json(202, answer);
      });
  server.Route("POST", "/api/v1/applications/:name/terminate-op",
               [&controller](const Request& request) {
                 auto done = controller.TerminateOperation(
                     request.params.at("name"), ActorOf(request), request.remote_address);
                 if (!done.ok()) return ErrorResponse(done.error());
                 Value answer = Value::MakeObject();
                 answer.Set("message", "terminating the running operation");
                 return Response::Json(202, answer);
               });
  server.Route(
      "POST", "/api/v1/applications/:name/rollout-undo", [&controller](const Request& request) {
        auto body = BodyOf(request);
        if (!body.ok()) return ErrorResponse(body.error());
        std::string deployment(body->StringAt({"deployment"}));
        if (deployment.empty()) {
          return Response::Error(400,
                                 "rollout-undo: \"deployment\" (a Deployment's name) is required");
        }
        const Value* revision = body->Find("toRevision");
        if (revision != nullptr && (!revision->is_int() || revision->as_int() < 0)) {
          return Response::Error(400, "rollout-undo: \"toRevision\" must be a revision number");
        }
        auto undone = controller.RolloutUndo(
            request.params.at("name"), std::string(body->StringAt({"namespace"})), deployment,
            revision != nullptr ? revision->as_int() : 0, ActorOf(request), request.remote_address);
        if (!undone.ok()) return ErrorResponse(undone.error());
        Value answer = Value::MakeObject();
        answer.Set("message", fmt::format("deployment.apps/{} rolled back", deployment));
        answer.Set("deployment", *undone);
        return Response::Json(200, answer);
      });
  AddRolloutRoutes(server, controller, options.on_rollout_steered);
  server.Route("GET", "/api/v1/audit", [&controller](const Request& request) {
    std::string app;
    if (auto it = request.query.find("app"); it != request.query.end()) app = it->second;
    size_t limit = 100;
    if (auto it = request.query.find("limit"); it != request.query.end()) {
      limit = static_cast<size_t>(std::strtoul(it->second.c_str(), nullptr, 10));
    }
    auto log = controller.AuditLog(app, limit == 0 ? 100 : limit);
    return log.ok() ? Response::Json(200, *log) : ErrorResponse(log.error());
  });

  server.Route("POST", "/api/webhook", [&controller, options](const Request& request) {
    source::WebhookRequest webhook;
    for (const auto& [name, value] : request.headers.fields())
      webhook.headers.emplace_back(name, value);
    webhook.body = request.body;
    auto event = source::ParseWebhook(webhook, options.webhook_secrets);
    if (!event.ok()) {
      if (event.error().code() == ErrorCode::kNotFound) {
        return Response::Json(200, Value::MakeObject());  // a ping: nothing to do
      }
      // The message names the failing header, never the secret.
      Log(LogLevel::kWarning, "webhook from {} refused: {}", request.remote_address,
          event.error().message());
      return Response::Error(source::IsForbidden(event.error()) ? 403 : 400,
                             event.error().message());
    }
    size_t refreshed = controller.RefreshRepository(event->repo_urls);
    Log(LogLevel::kInfo, "webhook {} push {} {}: {} application(s) refreshed",
        source::ProviderName(event->provider), event->ref, event->after.substr(0, 7), refreshed);
    Value answer = Value::MakeObject();
    answer.Set("refreshed", static_cast<int64_t>(refreshed));
    return Response::Json(200, answer);
  });
}

}  // namespace capstan::server
