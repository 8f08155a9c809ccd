// ParseApplication: one Argo CD Application object into an Application.
#include <fmt/format.h>

#include "controller/application_internal.h"

namespace capstan::controller {
namespace {

using internal::FieldReader;
using internal::Join;

void ReadDestination(FieldReader& r, const Value& spec, Application& app) {
  const Value* dest = r.Map(spec, "spec", "destination");
  if (dest == nullptr) {
    if (!r.failed()) r.Fail("spec.destination", "required (server or name, and namespace)");
    return;
  }
  // Strict: a misspelt `namepsace` would deploy into the wrong namespace.
  r.CheckKeys(*dest, "spec.destination", {"server", "name", "namespace"}, true);
  r.String(*dest, "spec.destination", "server", app.destination.server);
  r.String(*dest, "spec.destination", "name", app.destination.name);
  r.String(*dest, "spec.destination", "namespace", app.destination.namespace_);
  bool has_server = !app.destination.server.empty();
  bool has_name = !app.destination.name.empty();
  if (has_server && has_name) r.Fail("spec.destination", "set server or name, not both");
  if (!has_server && !has_name) r.Fail("spec.destination", "set server or name");
}

void ReadSources(FieldReader& r, const Value& spec, Application& app) {
  const Value* sources = r.List(spec, "spec", "sources");
  if (sources != nullptr) {
    if (sources->empty()) return r.Fail("spec.sources", "empty (give one source)");
    if (spec.Find("source") != nullptr) {
      r.Warn("spec.source", "ignored because spec.sources is set (as Argo CD does)");
    }
    for (size_t i = 0; i < sources->size(); ++i) {
      const Value& item = sources->as_array()[i];
      std::string path = fmt::format("spec.sources[{}]", i);
      if (!item.is_object()) return r.Fail(path, "expected a map");
      ApplicationSource source = internal::ReadSource(r, item, path);
      if (i == 0) app.source = std::move(source);
    }
    if (sources->size() > 1) {
      r.MarkUnsupported("spec.sources",
                        fmt::format("{} sources given; Applications with several sources are "
                                    "not supported yet (use one)",
                                    sources->size()),
                        true);
    }
    return;
  }
  const Value* source = r.Map(spec, "spec", "source");
  if (source == nullptr) {
    if (!r.failed()) r.Fail("spec.source", "required");
    return;
  }
  app.source = internal::ReadSource(r, *source, "spec.source");
}

void ReadIgnoreDifferences(FieldReader& r, const Value& spec, Application& app) {
  const Value* list = spec.Find("ignoreDifferences");
  if (list == nullptr || list->is_null() || r.failed()) return;
  Value wrapper = Value::MakeObject();
  wrapper["spec"]["ignoreDifferences"] = *list;
  auto parsed = diff::ParseIgnoreDifferences(wrapper, r.where());
  if (!parsed.ok()) {
    // Already "where: spec.ignoreDifferences[i].field: message".
    std::string message = parsed.error().message();
    std::string prefix = r.where() + ": ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    size_t colon = message.find(": ");
    return r.Fail(message.substr(0, colon),
                  colon == std::string::npos ? "invalid" : message.substr(colon + 2));
  }
  app.ignore_differences = std::move(parsed).value();
}

}  // namespace

Result<Application> ParseApplication(const Value& object, std::string_view source_file) {
  if (!object.is_object()) {
    return Error::Invalid(fmt::format("{}: expected an Application map", source_file));
  }
  std::string_view api_version = object.StringAt({"apiVersion"});
  std::string_view kind = object.StringAt({"kind"});
  if (api_version != kApplicationApiVersion || kind != kApplicationKind) {
    return Error::Invalid(fmt::format("{}: expected apiVersion {} and kind {}, found {} {}",
                                      source_file, kApplicationApiVersion, kApplicationKind,
                                      api_version, kind));
  }
  Application app;
  app.source_file = std::string(source_file);
  app.raw = object;
  app.name = std::string(object.StringAt({"metadata", "name"}));
  if (app.name.empty()) {
    return Error::Invalid(
        fmt::format("{}: Application (unnamed): metadata.name: required", source_file));
  }
  FieldReader r(fmt::format("{}: Application {}", source_file, app.name), &app);
  if (const Value* metadata = r.Map(object, "", "metadata")) {
    r.String(*metadata, "metadata", "namespace", app.namespace_);
    r.StringMap(*metadata, "metadata", "labels", app.labels);
    r.StringMap(*metadata, "metadata", "annotations", app.annotations);
  }
  const Value* spec = r.Map(object, "", "spec");
  if (spec == nullptr) {
    if (!r.failed()) r.Fail("spec", "required");
    return r.TakeError();
  }
  r.CheckKeys(*spec, "spec",
              {"source", "sources", "destination", "project", "syncPolicy", "ignoreDifferences",
               "info", "revisionHistoryLimit", "sourceHydrator"},
              false);
  r.String(*spec, "spec", "project", app.project);
  if (app.project.empty()) app.project = "default";
  ReadSources(r, *spec, app);
  ReadDestination(r, *spec, app);
  if (const Value* policy = r.Map(*spec, "spec", "syncPolicy")) {
    app.sync_policy = internal::ReadSyncPolicy(r, *policy, "spec.syncPolicy");
  }
  ReadIgnoreDifferences(r, *spec, app);
  r.Int(*spec, "spec", "revisionHistoryLimit", app.revision_history_limit);
  if (app.revision_history_limit < 0) r.Fail("spec.revisionHistoryLimit", "must not be negative");
  if (spec->Find("sourceHydrator") != nullptr) {
    r.MarkUnsupported("spec.sourceHydrator", "source hydration is not supported", true);
  }
  app.capstan = internal::ReadCapstanSettings(r, app.annotations);
  if (r.failed()) return r.TakeError();
  return app;
}

Status CheckSupported(const Application& app) {
  if (app.unsupported.empty()) return OkStatus();
  const Unsupported& first = app.unsupported.front();
  return Error::Invalid(fmt::format("{}: Application {}: {}: {}", app.source_file, app.name,
                                    first.field, first.reason));
}

}  // namespace capstan::controller
