// ParseEnv: a container's env and envFrom, checked against what the local target resolves.
#include <fmt/format.h>

#include "target/local/pod/internal/parsed_pod.h"

namespace capstan::target::local::internal {

namespace {

// Downward API paths an env var may read (Kubernetes' list for env, less resource fields).
constexpr std::string_view kFieldPaths[] = {"metadata.name",
                                            "metadata.namespace",
                                            "metadata.uid",
                                            "spec.nodeName",
                                            "spec.serviceAccountName",
                                            "status.hostIP",
                                            "status.hostIPs",
                                            "status.podIP",
                                            "status.podIPs"};

// Kubernetes' relaxed environment variable names: printable ASCII without '='.
bool IsEnvVarName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c < ' ' || c > '~' || c == '=') return false;
  }
  return true;
}

bool IsSupportedFieldPath(std::string_view path) {
  for (std::string_view known : kFieldPaths) {
    if (path == known) return true;
  }
  for (std::string_view prefix : {"metadata.labels['", "metadata.annotations['"}) {
    if (path.substr(0, prefix.size()) == prefix && path.size() > prefix.size() + 2 &&
        path.substr(path.size() - 2) == "']") {
      return true;
    }
  }
  return false;
}

}  // namespace

void ParseEnv(const Value& container, const std::string& path, ContainerSpecParsed& out,
              Problems& problems) {
  const Value::Array* env = ReadArray(container, "env", path, problems);
  std::string env_path = Child(path, "env");
  for (size_t i = 0; env != nullptr && i < env->size(); ++i) {
    const Value& item = (*env)[i];
    std::string item_path = Index(env_path, i);
    CheckKnownFields(item, item_path, {"name", "value", "valueFrom"},
                     "an env var has name and value or valueFrom", problems);
    EnvVarSpec var;
    var.name = ReadString(item, "name", item_path, problems);
    if (!IsEnvVarName(var.name)) {
      problems.Add(Child(item_path, "name"),
                   fmt::format("{} is not a valid environment variable name", Quote(var.name)));
    }
    var.value = ReadString(item, "value", item_path, problems);
    const Value* from = ReadObject(item, "valueFrom", item_path, problems);
    if (from != nullptr && !var.value.empty()) {
      problems.Add(Child(item_path, "valueFrom"), "may not be specified when `value` is not empty");
    }
    if (from != nullptr) {
      std::string from_path = Child(item_path, "valueFrom");
      CheckKnownFields(*from, from_path, {"fieldRef", "configMapKeyRef", "secretKeyRef"},
                       "valueFrom may be fieldRef, configMapKeyRef or secretKeyRef", problems);
      if (from->size() != 1) problems.Add(from_path, "must specify exactly one source");
      if (const Value* field = ReadObject(*from, "fieldRef", from_path, problems)) {
        std::string field_path = Child(from_path, "fieldRef");
        CheckKnownFields(*field, field_path, {"fieldPath", "apiVersion"},
                         "fieldRef has fieldPath and apiVersion", problems);
        var.source = EnvVarSpec::Source::kFieldRef;
        var.field_path = ReadString(*field, "fieldPath", field_path, problems);
        std::string api_version = ReadString(*field, "apiVersion", field_path, problems);
        if (!api_version.empty() && api_version != "v1") {
          problems.Add(
              Child(field_path, "apiVersion"),
              fmt::format("Unsupported value: {}: supported values: \"v1\"", Quote(api_version)));
        }
        if (!IsSupportedFieldPath(var.field_path)) {
          problems.Add(Child(field_path, "fieldPath"),
                       fmt::format("Unsupported value: {}: supported values: metadata.name, "
                                   "metadata.namespace, metadata.uid, metadata.labels['<KEY>'], "
                                   "metadata.annotations['<KEY>'], spec.nodeName, "
                                   "spec.serviceAccountName, status.hostIP, status.hostIPs, "
                                   "status.podIP, status.podIPs",
                                   Quote(var.field_path)));
        }
      }
      for (auto [key, source] : {std::pair{"configMapKeyRef", EnvVarSpec::Source::kConfigMapKey},
                                 std::pair{"secretKeyRef", EnvVarSpec::Source::kSecretKey}}) {
        const Value* ref = ReadObject(*from, key, from_path, problems);
        if (ref == nullptr) continue;
        std::string ref_path = Child(from_path, key);
        CheckKnownFields(*ref, ref_path, {"name", "key", "optional"},
                         "a key reference has name, key and optional", problems);
        var.source = source;
        var.object = ReadString(*ref, "name", ref_path, problems);
        var.key = ReadString(*ref, "key", ref_path, problems);
        var.optional = ReadBool(*ref, "optional", ref_path, problems);
        if (var.object.empty()) problems.Add(Child(ref_path, "name"), "required");
        if (var.key.empty()) problems.Add(Child(ref_path, "key"), "required");
      }
    }
    out.env.push_back(std::move(var));
  }

  const Value::Array* env_from = ReadArray(container, "envFrom", path, problems);
  std::string from_path = Child(path, "envFrom");
  for (size_t i = 0; env_from != nullptr && i < env_from->size(); ++i) {
    const Value& item = (*env_from)[i];
    std::string item_path = Index(from_path, i);
    CheckKnownFields(item, item_path, {"prefix", "configMapRef", "secretRef"},
                     "envFrom has prefix and configMapRef or secretRef", problems);
    EnvFromSpec source;
    source.prefix = ReadString(item, "prefix", item_path, problems);
    const Value* config_map = ReadObject(item, "configMapRef", item_path, problems);
    const Value* secret = ReadObject(item, "secretRef", item_path, problems);
    if ((config_map == nullptr) == (secret == nullptr)) {
      problems.Add(item_path, "must specify one of configMapRef or secretRef");
      continue;
    }
    source.secret = secret != nullptr;
    const Value& ref = secret != nullptr ? *secret : *config_map;
    std::string ref_path = Child(item_path, secret != nullptr ? "secretRef" : "configMapRef");
    CheckKnownFields(ref, ref_path, {"name", "optional"}, "a reference has name and optional",
                     problems);
    source.object = ReadString(ref, "name", ref_path, problems);
    source.optional = ReadBool(ref, "optional", ref_path, problems);
    if (source.object.empty()) problems.Add(Child(ref_path, "name"), "required");
    out.env_from.push_back(std::move(source));
  }
}

}  // namespace capstan::target::local::internal
