// The Rollout routes of the API (see api.h): list, describe and steer Argo Rollouts on the
// destinations of the Applications that declare them.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "server/api.h"
#include "server/internal/api_support.h"

namespace capstan::server {
namespace {

using internal::ActorOf;
using internal::BodyOf;
using internal::ErrorResponse;

// Upper bound of a revision a client may name (Argo's revisions are small integers).
constexpr int64_t kMaxRevision = 1'000'000'000;

std::string QueryOr(const Request& request, const std::string& key) {
  auto it = request.query.find(key);
  return it == request.query.end() ? "" : it->second;
}

Result<controller::SteerOptions> SteerOptionsOf(const Value& body) {
  controller::SteerOptions options;
  if (const Value* full = body.Find("full")) {
    if (!full->is_bool()) return Error::Invalid("\"full\" must be true or false");
    options.full = full->as_bool();
  }
  if (const Value* revision = body.Find("toRevision")) {
    if (!revision->is_int() || revision->as_int() < 0 || revision->as_int() > kMaxRevision) {
      return Error::Invalid("\"toRevision\" must be a revision number");
    }
    options.to_revision = revision->as_int();
  }
  return options;
}

}  // namespace

void AddRolloutRoutes(HttpServer& server, controller::AppController& controller,
                      std::function<void()> on_steered) {
  server.Route("GET", "/api/v1/rollouts", [&controller](const Request&) {
    return Response::Json(200, controller.ListRollouts());
  });
  server.Route("GET", "/api/v1/rollouts/:name", [&controller](const Request& request) {
    size_t history = std::strtoul(QueryOr(request, "history").c_str(), nullptr, 10);
    auto view = controller.GetRollout({request.params.at("name"), QueryOr(request, "namespace"),
                                       QueryOr(request, "app"),
                                       std::min(history, store::kReleaseStepsKept)});
    return view.ok() ? Response::Json(200, *view) : ErrorResponse(view.error());
  });
  server.Route(
      "POST", "/api/v1/rollouts/:name/:action",
      [&controller, on_steered = std::move(on_steered)](const Request& request) {
        const std::string& action_name = request.params.at("action");
        auto action = controller::ParseRolloutAction(action_name);
        if (!action) {
          return Response::Error(
              404, fmt::format("unknown rollout action \"{}\" (promote, abort, retry, pause, "
                               "resume, undo)",
                               action_name));
        }
        auto body = BodyOf(request);
        if (!body.ok()) return ErrorResponse(body.error());
        auto options = SteerOptionsOf(*body);
        if (!options.ok()) return ErrorResponse(options.error());
        controller::AppController::RolloutRef ref{request.params.at("name"),
                                                  std::string(body->StringAt({"namespace"})),
                                                  std::string(body->StringAt({"app"}))};
        auto steered = controller.SteerRollout(ref, *action, *options, ActorOf(request),
                                               request.remote_address);
        if (!steered.ok()) return ErrorResponse(steered.error());
        if (on_steered) on_steered();
        Value answer = Value::MakeObject();
        answer.Set("message", steered->message);
        answer.Set("rollout", std::move(steered->rollout));
        return Response::Json(200, answer);
      });
}

}  // namespace capstan::server
