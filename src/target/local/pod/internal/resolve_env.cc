// ResolveEnv: a container's environment from env, envFrom and the downward API.
#include <fmt/format.h>

#include "core/base64.h"
#include "target/local/pod/internal/expand.h"
#include "target/local/pod/internal/resolve.h"

namespace capstan::target::local::internal {

namespace {

// Ordered name -> value where setting an existing name replaces its value in place.
class EnvList {
 public:
  void Set(const std::string& name, std::string value) {
    auto [it, inserted] = index_.try_emplace(name, entries_.size());
    if (inserted) {
      entries_.emplace_back(name, std::move(value));
    } else {
      entries_[it->second].second = std::move(value);
    }
  }
  std::optional<std::string> Get(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return entries_[it->second].second;
  }
  std::vector<std::pair<std::string, std::string>> Take() { return std::move(entries_); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::map<std::string, size_t> index_;
};

// The value of metadata.labels['key'] / metadata.annotations['key'] style paths.
std::string MapEntry(const Value* map, std::string_view path, std::string_view prefix) {
  std::string key(path.substr(prefix.size(), path.size() - prefix.size() - 2));
  if (map == nullptr) return {};
  const Value* value = map->Find(key);
  return value != nullptr && value->is_string() ? value->as_string() : std::string();
}

std::string FieldValue(std::string_view path, const PodFacts& pod, bool& uses_pod_ip) {
  if (path == "metadata.name") return pod.name;
  if (path == "metadata.namespace") return pod.ns;
  if (path == "metadata.uid") return pod.uid;
  if (path == "spec.nodeName") return pod.node_name;
  if (path == "spec.serviceAccountName") return pod.service_account_name;
  if (path == "status.hostIP" || path == "status.hostIPs") return kLocalHostIP;
  if (path == "status.podIP" || path == "status.podIPs") {
    uses_pod_ip = true;
    return pod.pod_ip;
  }
  constexpr std::string_view kLabels = "metadata.labels['";
  constexpr std::string_view kAnnotations = "metadata.annotations['";
  if (path.substr(0, kLabels.size()) == kLabels) return MapEntry(pod.labels, path, kLabels);
  if (path.substr(0, kAnnotations.size()) == kAnnotations) {
    return MapEntry(pod.annotations, path, kAnnotations);
  }
  return {};  // ParseContainer refused anything else
}

// The kubelet's messages: `configmap "app" not found`, `secret "db" not found`.
std::string NotFound(bool secret, const std::string& name) {
  return fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", name);
}

}  // namespace

const Value* ObjectCache::Get(const std::string& kind, const std::string& name) {
  auto key = std::make_pair(kind, name);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    std::optional<Value> found = lookup_ ? lookup_(kind, ns_, name) : std::nullopt;
    it = cache_.emplace(key, std::move(found)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::vector<std::pair<std::string, std::string>> ObjectEntries(const Value& object, bool secret,
                                                               bool with_binary) {
  std::vector<std::pair<std::string, std::string>> entries;
  auto set = [&](const std::string& key, std::string content) {
    for (auto& entry : entries) {
      if (entry.first == key) {
        entry.second = std::move(content);
        return;
      }
    }
    entries.emplace_back(key, std::move(content));
  };
  auto each = [&](std::string_view field, bool decode) {
    const Value* map = object.Find(field);
    if (map == nullptr || !map->is_object()) return;
    for (const auto& [key, value] : map->as_object()) {
      if (!value.is_string()) continue;
      if (!decode) {
        set(key, value.as_string());
      } else if (std::optional<std::string> bytes = Base64Decode(value.as_string())) {
        set(key, std::move(*bytes));
      }
    }
  };
  if (secret) {
    each("data", true);
    each("stringData", false);  // the API server merges it into data; a local store may not
  } else {
    each("data", false);
    if (with_binary) each("binaryData", true);
  }
  return entries;
}

ResolvedEnv ResolveEnv(const ContainerSpecParsed& container, const PodFacts& pod,
                       ObjectCache& objects) {
  ResolvedEnv out;
  EnvList env;
  for (const EnvFromSpec& source : container.env_from) {
    const Value* object = objects.Get(source.secret ? "Secret" : "ConfigMap", source.object);
    if (object == nullptr) {
      if (source.optional) continue;
      out.config_error = NotFound(source.secret, source.object);
      return out;
    }
    std::vector<std::string> invalid;
    for (auto& [key, value] : ObjectEntries(*object, source.secret, false)) {
      std::string name = source.prefix + key;
      if (name.empty() || name.find('=') != std::string::npos) {
        invalid.push_back(name);
        continue;
      }
      env.Set(name, std::move(value));
    }
    if (!invalid.empty()) {
      std::string keys;
      for (const std::string& key : invalid) keys += (keys.empty() ? "" : ", ") + key;
      out.warnings.push_back(fmt::format(
          "Keys [{}] from the EnvFrom {} {}/{} were skipped since they are considered invalid "
          "environment variable names.",
          keys, source.secret ? "secret" : "configMap", objects.ns(), source.object));
    }
  }
  auto lookup = [&env](std::string_view name) { return env.Get(name); };
  for (const EnvVarSpec& var : container.env) {
    std::string value;
    switch (var.source) {
      case EnvVarSpec::Source::kValue:
        value = ExpandVariables(var.value, lookup);
        break;
      case EnvVarSpec::Source::kFieldRef:
        value = FieldValue(var.field_path, pod, out.uses_pod_ip);
        break;
      case EnvVarSpec::Source::kConfigMapKey:
      case EnvVarSpec::Source::kSecretKey: {
        bool secret = var.source == EnvVarSpec::Source::kSecretKey;
        const Value* object = objects.Get(secret ? "Secret" : "ConfigMap", var.object);
        if (object == nullptr) {
          if (var.optional) continue;
          out.config_error = NotFound(secret, var.object);
          return out;
        }
        bool found = false;
        for (auto& [key, content] : ObjectEntries(*object, secret, false)) {
          if (key != var.key) continue;
          value = std::move(content);
          found = true;
        }
        if (!found) {
          if (var.optional) continue;
          out.config_error = fmt::format("couldn't find key {} in {} {}/{}", var.key,
                                         secret ? "Secret" : "ConfigMap", objects.ns(), var.object);
          return out;
        }
        break;
      }
    }
    env.Set(var.name, std::move(value));
  }
  out.env = env.Take();
  return out;
}

}  // namespace capstan::target::local::internal
