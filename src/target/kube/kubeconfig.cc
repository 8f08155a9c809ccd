#include "target/kube/kubeconfig.h"

#include <fmt/format.h>

#include <string_view>

#include "core/base64.h"
#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::target::kube {
namespace {

// A kubeconfig is a few kilobytes; a certificate or token file a few more. Larger input
// is refused before it is read.
constexpr size_t kMaxKubeConfigBytes = 1u << 20;
constexpr size_t kMaxReferencedFileBytes = 1u << 20;

// Finds the entry called `name` in the list `list_field` ("clusters") and returns its
// `body_field` ("cluster") map.
Result<const Value*> FindNamed(const Value& root, std::string_view list_field,
                               std::string_view body_field, const std::string& name,
                               const std::string& source) {
  const Value* list = root.Find(list_field);
  if (list != nullptr && !list->is_null() && !list->is_array()) {
    return Error::Invalid(source + ": " + std::string(list_field) + ": expected a list");
  }
  if (list != nullptr && list->is_array()) {
    for (const Value& entry : list->as_array()) {
      if (entry.StringAt({"name"}) != name) continue;
      const Value* body = entry.Find(body_field);
      if (body == nullptr || !body->is_object()) {
        return Error::Invalid(
            fmt::format("{}: {}[{}].{}: expected a map", source, list_field, name, body_field));
      }
      return body;
    }
  }
  return Error::NotFound(source + ": " + std::string(list_field) + ": no entry named \"" + name +
                         "\"");
}

// "file: clusters[a].cluster" + "server" -> "file: clusters[a].cluster.server"; at the top
// level ("file: ") the field follows directly.
std::string FieldPath(const std::string& where, std::string_view field) {
  if (where.size() >= 2 && where.compare(where.size() - 2, 2, ": ") == 0) {
    return where + std::string(field);
  }
  return where + "." + std::string(field);
}

// The string `field` of `map`, empty when missing; Invalid when present but not a string.
Result<std::string> StringField(const Value& map, std::string_view field,
                                const std::string& where) {
  const Value* value = map.Find(field);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string()) {
    return Error::Invalid(FieldPath(where, field) + ": expected a string");
  }
  return value->as_string();
}

// The bytes named by `<field>-data` (base64) or `<field>` (a file path, relative to
// `dir`); the -data form wins, as in kubectl.
Result<std::string> InlineOrFile(const Value& map, std::string_view field,
                                 const std::filesystem::path& dir, const std::string& where) {
  std::string data_field = std::string(field) + "-data";
  Result<std::string> data = StringField(map, data_field, where);
  if (!data.ok()) return data;
  if (!data->empty()) {
    std::optional<std::string> decoded = Base64Decode(*data);
    if (!decoded) return Error::Invalid(where + "." + data_field + ": not valid base64");
    return *decoded;
  }
  Result<std::string> file = StringField(map, field, where);
  if (!file.ok() || file->empty()) return file;
  std::filesystem::path path = *file;
  if (path.is_relative()) path = dir / path;
  Result<std::string> bytes = ReadFileBounded(path, kMaxReferencedFileBytes);
  if (!bytes.ok()) return std::move(bytes).error().Wrap(where + "." + std::string(field));
  return bytes;
}

Status ReadCluster(const Value& cluster, const std::string& where, const std::filesystem::path& dir,
                   KubeConfig& out) {
  Result<std::string> server = StringField(cluster, "server", where);
  CAPSTAN_TRY(server);
  if (server->empty()) return Error::Invalid(where + ".server: missing");
  if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0) {
    return Error::Invalid(where + ".server: expected an http:// or https:// URL, got \"" + *server +
                          "\"");
  }
  out.server = *server;
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  Result<std::string> ca = InlineOrFile(cluster, "certificate-authority", dir, where);
  CAPSTAN_TRY(ca);
  out.ca_pem = *ca;
  if (const Value* insecure = cluster.Find("insecure-skip-tls-verify"); insecure != nullptr) {
    if (!insecure->is_bool()) {
      return Error::Invalid(where + ".insecure-skip-tls-verify: expected true or false");
    }
    out.insecure_skip_tls_verify = insecure->as_bool();
  }
  Result<std::string> server_name = StringField(cluster, "tls-server-name", where);
  CAPSTAN_TRY(server_name);
  out.tls_server_name = *server_name;
  return OkStatus();
}

Status ReadUser(const Value& user, const std::string& where, const std::filesystem::path& dir,
                KubeConfig& out) {
  Result<std::string> token = StringField(user, "token", where);
  CAPSTAN_TRY(token);
  out.token = *token;
  if (out.token.empty()) {
    Result<std::string> token_file = StringField(user, "tokenFile", where);
    CAPSTAN_TRY(token_file);
    if (!token_file->empty()) {
      std::filesystem::path path = *token_file;
      if (path.is_relative()) path = dir / path;
      Result<std::string> bytes = ReadFileBounded(path, kMaxReferencedFileBytes);
      if (!bytes.ok()) return std::move(bytes).error().Wrap(where + ".tokenFile");
      out.token = *bytes;
      while (!out.token.empty() &&
             (out.token.back() == '\n' || out.token.back() == '\r' || out.token.back() == ' ')) {
        out.token.pop_back();
      }
    }
  }
  Result<std::string> cert = InlineOrFile(user, "client-certificate", dir, where);
  CAPSTAN_TRY(cert);
  out.client_cert_pem = *cert;
  Result<std::string> key = InlineOrFile(user, "client-key", dir, where);
  CAPSTAN_TRY(key);
  out.client_key_pem = *key;
  if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
    return Error::Invalid(where + ": client-certificate and client-key must be given together");
  }
  Result<std::string> username = StringField(user, "username", where);
  CAPSTAN_TRY(username);
  out.username = *username;
  Result<std::string> password = StringField(user, "password", where);
  CAPSTAN_TRY(password);
  out.password = *password;
  for (std::string_view unsupported : {"exec", "auth-provider"}) {
    if (user.Contains(unsupported) && out.token.empty() && out.client_cert_pem.empty()) {
      return Error::Invalid(where + "." + std::string(unsupported) +
                            ": credential plugins are not supported yet; use a token or a "
                            "client certificate");
    }
  }
  return OkStatus();
}

Result<Value> ParseRoot(const std::string& text, const std::string& source) {
  Result<Value> root = ParseYaml(text, source);
  if (!root.ok()) return root;
  if (!root->is_object()) return Error::Invalid(source + ": expected a kubeconfig map");
  return root;
}

}  // namespace

Result<KubeConfig> ParseKubeConfig(const std::string& text, const std::string& source,
                                   const std::filesystem::path& dir, const std::string& context) {
  Result<Value> root = ParseRoot(text, source);
  if (!root.ok()) return std::move(root).error();
  KubeConfig out;
  out.source = source;
  out.context = context;
  if (out.context.empty()) {
    Result<std::string> current = StringField(*root, "current-context", source + ": ");
    if (!current.ok()) return std::move(current).error();
    out.context = *current;
    if (out.context.empty()) {
      return Error::NotFound(source + ": current-context: not set and no context was named");
    }
  }
  Result<const Value*> ctx = FindNamed(*root, "contexts", "context", out.context, source);
  if (!ctx.ok()) return std::move(ctx).error();
  std::string ctx_where = source + ": contexts[" + out.context + "].context";
  Result<std::string> cluster_name = StringField(**ctx, "cluster", ctx_where);
  if (!cluster_name.ok()) return std::move(cluster_name).error();
  if (cluster_name->empty()) return Error::Invalid(ctx_where + ".cluster: missing");
  out.cluster = *cluster_name;
  Result<std::string> user_name = StringField(**ctx, "user", ctx_where);
  if (!user_name.ok()) return std::move(user_name).error();
  Result<std::string> ns = StringField(**ctx, "namespace", ctx_where);
  if (!ns.ok()) return std::move(ns).error();
  out.ns = *ns;

  Result<const Value*> cluster = FindNamed(*root, "clusters", "cluster", out.cluster, source);
  if (!cluster.ok()) return std::move(cluster).error();
  Status cluster_ok =
      ReadCluster(**cluster, source + ": clusters[" + out.cluster + "].cluster", dir, out);
  if (!cluster_ok.ok()) return std::move(cluster_ok).error();
  if (!user_name->empty()) {
    Result<const Value*> user = FindNamed(*root, "users", "user", *user_name, source);
    if (!user.ok()) return std::move(user).error();
    Status user_ok = ReadUser(**user, source + ": users[" + *user_name + "].user", dir, out);
    if (!user_ok.ok()) return std::move(user_ok).error();
  }
  return out;
}

Result<KubeConfig> LoadKubeConfig(const std::filesystem::path& path, const std::string& context) {
  Result<std::string> text = ReadFileBounded(path, kMaxKubeConfigBytes);
  if (!text.ok()) return std::move(text).error().Wrap("read kubeconfig");
  return ParseKubeConfig(*text, path.string(), path.parent_path(), context);
}

Result<std::vector<std::string>> ListContexts(const std::filesystem::path& path) {
  Result<std::string> text = ReadFileBounded(path, kMaxKubeConfigBytes);
  if (!text.ok()) return std::move(text).error().Wrap("read kubeconfig");
  Result<Value> root = ParseRoot(*text, path.string());
  if (!root.ok()) return std::move(root).error();
  std::vector<std::string> names;
  if (const Value* contexts = root->Find("contexts"); contexts != nullptr && contexts->is_array()) {
    for (const Value& entry : contexts->as_array()) {
      std::string_view name = entry.StringAt({"name"});
      if (!name.empty()) names.emplace_back(name);
    }
  }
  return names;
}

}  // namespace capstan::target::kube
