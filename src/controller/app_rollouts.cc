// `capstan rollout ...` through the Application controller: a Rollout is found by the
// Application whose Git declares it (so a person names a Rollout, not a cluster), steered on
// that Application's destination, and every action is audited with who did it.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "controller/release_history.h"

namespace capstan::controller {
namespace {

// Release steps `capstan rollout get` returns; `history` asks for more.
constexpr size_t kStepsShown = 50;

bool IsRollout(const Value& object) {
  return KindOf(object) == "Rollout" && GroupOf(object.StringAt({"apiVersion"})) == "argoproj.io";
}

std::string NamespaceIn(const Value& object, const ApplicationDestination& destination) {
  std::string_view ns = NamespaceOf(object);
  if (!ns.empty()) return std::string(ns);
  return destination.namespace_.empty() ? "default" : destination.namespace_;
}

std::string Candidates(const std::vector<std::string>& places) {
  std::string text;
  for (const std::string& place : places) text += (text.empty() ? "" : ", ") + place;
  return text;
}

}  // namespace

std::vector<AppController::RolloutPlace> AppController::DeclaredRollouts(
    const std::string& name) const {
  std::vector<std::shared_ptr<AppState>> states;
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (const auto& [app, state] : apps_) {
      names.push_back(app);
      states.push_back(state);
    }
  }
  std::vector<RolloutPlace> places;
  for (size_t i = 0; i < states.size(); ++i) {
    std::lock_guard lock(states[i]->mu);
    for (const Manifest& manifest : states[i]->desired) {
      if (!IsRollout(manifest.object)) continue;
      if (!name.empty() && NameOf(manifest.object) != name) continue;
      places.push_back({names[i], NamespaceIn(manifest.object, states[i]->spec.destination),
                        states[i]->spec.destination, std::string(NameOf(manifest.object))});
    }
  }
  return places;
}

Result<AppController::RolloutPlace> AppController::LocateRollout(const RolloutRef& ref) const {
  if (ref.name.empty()) return Error::Invalid("a Rollout's name is required");
  std::vector<RolloutPlace> matches;
  for (RolloutPlace& place : DeclaredRollouts(ref.name)) {
    if (!ref.app.empty() && place.app != ref.app) continue;
    if (!ref.ns.empty() && place.ns != ref.ns) continue;
    matches.push_back(std::move(place));
  }
  if (matches.empty() && !ref.app.empty()) {
    // Not in Git (created by hand on the Application's destination): look there.
    auto state = FindApp(ref.app);
    if (!state.ok()) return state.error();
    std::lock_guard lock((*state)->mu);
    const ApplicationDestination& destination = (*state)->spec.destination;
    std::string ns = !ref.ns.empty()                   ? ref.ns
                     : !destination.namespace_.empty() ? destination.namespace_
                                                       : "default";
    return RolloutPlace{ref.app, ns, destination, ref.name};
  }
  if (matches.empty()) {
    return Error::NotFound(fmt::format(
        "rollout {} is not declared by any Application{}{} (name its Application with --app)",
        ref.name, ref.ns.empty() ? "" : " in namespace ", ref.ns));
  }
  if (matches.size() > 1) {
    std::vector<std::string> where;
    where.reserve(matches.size());
    for (const RolloutPlace& place : matches) {
      where.push_back(fmt::format("application {} namespace {}", place.app, place.ns));
    }
    return Error::Conflict(
        fmt::format("rollout {} is declared by {}: pass --app or -n", ref.name, Candidates(where)));
  }
  return matches.front();
}

Value AppController::ListRollouts() {
  Value items = Value::MakeArray();
  for (const RolloutPlace& place : DeclaredRollouts("")) {
    Value item = Value::MakeObject();
    item.Set("application", place.app);
    item.Set("namespace", place.ns);
    item.Set("name", place.name);
    auto target = destinations_.Resolve(place.destination);
    auto view = target.ok() ? DescribeRollout(**target, place.ns, place.name)
                            : Result<Value>(target.error());
    if (!view.ok()) {
      item.Set("phase", "Unknown");
      item.Set("message", view.error().message());
    } else {
      const Value& summary = *view->Find("summary");
      for (const char* field :
           {"phase", "message", "strategy", "step", "steps", "setWeight", "actualWeight"}) {
        if (const Value* value = summary.Find(field)) item.Set(field, *value);
      }
    }
    items.as_array().push_back(std::move(item));
  }
  Value out = Value::MakeObject();
  out.Set("items", std::move(items));
  return out;
}

Result<Value> AppController::GetRollout(const RolloutRef& ref) {
  auto place = LocateRollout(ref);
  if (!place.ok()) return place.error();
  auto target = destinations_.Resolve(place->destination);
  if (!target.ok()) return target.error();
  auto view = DescribeRollout(**target, place->ns, place->name);
  if (!view.ok()) return view.error();
  view->Set("application", place->app);
  view->Set("destination", (*target)->Describe());
  auto steps = ReleaseHistory(store_).Steps(
      **target, place->ns, place->name, ref.history_limit > 0 ? ref.history_limit : kStepsShown);
  if (!steps.ok()) return steps.error();
  view->Set("history", *steps->Find("items"));
  return view;
}

Result<SteerResult> AppController::SteerRollout(const RolloutRef& ref, RolloutAction action,
                                                const SteerOptions& options,
                                                const std::string& actor,
                                                const std::string& source_address) {
  auto place = LocateRollout(ref);
  if (!place.ok()) return place.error();
  auto target = destinations_.Resolve(place->destination);
  if (!target.ok()) return target.error();
  auto steered = controller::SteerRollout(**target, place->ns, place->name, action, options);
  if (!steered.ok()) return steered.error();
  Value details = Value::MakeObject();
  details.Set("namespace", place->ns);
  details.Set("rollout", place->name);
  if (action == RolloutAction::kPromote) details.Set("full", options.full);
  if (action == RolloutAction::kUndo) details.Set("toRevision", options.to_revision);
  details.Set("message", steered->message);
  Audit(actor, fmt::format("rollout-{}", RolloutActionName(action)), place->app, details,
        source_address);
  OnLiveChange(place->app);
  return steered;
}

}  // namespace capstan::controller
