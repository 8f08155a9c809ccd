// KubeClient: Target over the Kubernetes REST API (Watch is in watch.cc).
#include <string_view>

#include "core/json.h"
#include "core/object.h"
#include "target/kube/internal/api_error.h"
#include "target/kube/internal/discovery.h"
#include "target/kube/internal/paths.h"
#include "target/kube/internal/transport.h"
#include "target/kube/kube.h"

namespace capstan::target::kube {
namespace {

constexpr char kDefaultNamespace[] = "default";
constexpr char kApplyPatchType[] = "application/apply-patch+yaml";

HttpRequest Request(std::string method, std::string path, std::string body = "",
                    std::string content_type = "application/json") {
  return HttpRequest{std::move(method), std::move(path), std::move(body), std::move(content_type)};
}

std::string_view PropagationName(Propagation propagation) {
  switch (propagation) {
    case Propagation::kForeground:
      return "Foreground";
    case Propagation::kOrphan:
      return "Orphan";
    case Propagation::kBackground:
      break;
  }
  return "Background";
}

// The query string of a list or watch request (without '?').
std::string SelectorQuery(const Selector& selector) {
  std::string query;
  if (!selector.label_selector.empty()) {
    query += "&labelSelector=" + EscapeQuery(selector.label_selector);
  }
  if (!selector.field_selector.empty()) {
    query += "&fieldSelector=" + EscapeQuery(selector.field_selector);
  }
  return query;
}

Result<Value> ParseBody(const HttpResponse& response, const std::string& what) {
  Result<Value> value = ParseJson(response.body, what);
  if (!value.ok()) return std::move(value).error().Wrap("unexpected response");
  if (!value->is_object()) return Error::Internal(what + ": the server returned no object");
  return value;
}

}  // namespace

Result<std::unique_ptr<KubeClient>> KubeClient::Create(const KubeConfig& config,
                                                       const KubeClientOptions& options) {
  Result<std::unique_ptr<Transport>> transport = Transport::Create(config, options.transport);
  if (!transport.ok()) return std::move(transport).error();
  return std::unique_ptr<KubeClient>(new KubeClient(config, options, std::move(*transport)));
}

KubeClient::KubeClient(const KubeConfig& config, const KubeClientOptions& options,
                       std::unique_ptr<Transport> transport)
    : description_("kube " + config.server + " (context " + config.context + ")"),
      default_namespace_(config.ns.empty() ? kDefaultNamespace : config.ns),
      options_(options),
      transport_(std::move(transport)),
      discovery_(std::make_unique<Discovery>(*transport_, options.discovery_refresh_interval)) {}

KubeClient::~KubeClient() = default;

std::string KubeClient::Describe() const { return description_; }

Result<KindInfo> KubeClient::LookupKind(const std::string& api_version, const std::string& kind) {
  return discovery_->Lookup(api_version, kind);
}

Result<Value> KubeClient::Apply(const Value& object, const ApplyOptions& options) {
  CAPSTAN_TRY(ValidateObject(object));
  ObjectKey key = KeyOf(object);
  if (key.name.empty()) {
    return Error::Invalid(key.ToString() +
                          ": metadata.name: required for apply (generateName cannot be applied)");
  }
  Result<KindInfo> info =
      discovery_->Lookup(std::string(object.StringAt({"apiVersion"})), key.kind);
  if (!info.ok()) return std::move(info).error().Wrap("apply " + key.ToString());
  Value body = object;
  if (info->namespaced) {
    if (key.ns.empty()) key.ns = default_namespace_;
    body["metadata"].Set("namespace", key.ns);
  } else {
    body["metadata"].Erase("namespace");
    key.ns.clear();
  }
  std::string path =
      ObjectPath(*info, key.ns, key.name) + (options.status ? "/status" : "") + "?fieldManager=" +
      (options.field_manager.empty() ? std::string(kFieldManager) : options.field_manager);
  if (options.force) path += "&force=true";
  if (options.dry_run) path += "&dryRun=All";
  Result<HttpResponse> response =
      transport_->Send(Request("PATCH", path, EmitJson(body), kApplyPatchType));
  if (!response.ok()) return std::move(response).error().Wrap("apply " + key.ToString());
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, key.ToString());
  }
  return ParseBody(*response, "apply " + key.ToString());
}

Result<std::optional<Value>> KubeClient::Get(const ObjectKey& key, const std::string& api_version) {
  Result<KindInfo> info = api_version.empty() ? discovery_->LookupPreferred(key.group, key.kind)
                                              : discovery_->Lookup(api_version, key.kind);
  if (!info.ok()) return std::move(info).error().Wrap("get " + key.ToString());
  std::string ns = info->namespaced ? (key.ns.empty() ? default_namespace_ : key.ns) : "";
  Result<HttpResponse> response = transport_->Send(Request("GET", ObjectPath(*info, ns, key.name)));
  if (!response.ok()) return std::move(response).error().Wrap("get " + key.ToString());
  if (response->status == 404) return std::optional<Value>();
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, key.ToString());
  }
  Result<Value> object = ParseBody(*response, "get " + key.ToString());
  if (!object.ok()) return std::move(object).error();
  return std::optional<Value>(std::move(*object));
}

Result<std::vector<Value>> KubeClient::List(const Selector& selector) {
  Result<ListResult> list = ListWithVersion(selector);
  if (!list.ok()) return std::move(list).error();
  return std::move(list->items);
}

Result<ListResult> KubeClient::ListWithVersion(const Selector& selector) {
  const std::string what = "list " + selector.api_version + " " + selector.kind +
                           (selector.ns.empty() ? "" : " in " + selector.ns);
  Result<KindInfo> info = discovery_->Lookup(selector.api_version, selector.kind);
  if (!info.ok()) return std::move(info).error().Wrap(what);
  const std::string api_version = ApiVersionOf(*info);
  const std::string base = CollectionPath(*info, selector.ns) +
                           "?limit=" + std::to_string(options_.list_page_size) +
                           SelectorQuery(selector);
  ListResult result;
  std::string continue_token;
  do {
    std::string path = base;
    if (!continue_token.empty()) path += "&continue=" + EscapeQuery(continue_token);
    Result<HttpResponse> response = transport_->Send(Request("GET", path));
    if (!response.ok()) return std::move(response).error().Wrap(what);
    if (response->status >= 400) return ErrorFromResponse(response->status, response->body, what);
    Result<Value> page = ParseBody(*response, what);
    if (!page.ok()) return std::move(page).error();
    result.resource_version = std::string(page->StringAt({"metadata", "resourceVersion"}));
    continue_token = std::string(page->StringAt({"metadata", "continue"}));
    if (Value* items = page->Find("items"); items != nullptr && items->is_array()) {
      for (Value& item : items->as_array()) {
        // The API leaves these out of list items; callers want whole objects.
        Value object = Value::MakeObject();
        object.Set("apiVersion", api_version);
        object.Set("kind", info->kind);
        for (auto& [name, value] : item.as_object()) {
          if (name != "apiVersion" && name != "kind") object.Set(name, std::move(value));
        }
        result.items.push_back(std::move(object));
      }
    }
  } while (!continue_token.empty());
  return result;
}

Status KubeClient::Delete(const ObjectKey& key, const DeleteOptions& options) {
  Result<KindInfo> info = discovery_->LookupPreferred(key.group, key.kind);
  if (!info.ok()) return std::move(info).error().Wrap("delete " + key.ToString());
  std::string ns = info->namespaced ? (key.ns.empty() ? default_namespace_ : key.ns) : "";
  Value body = Value::MakeObject();
  body.Set("apiVersion", "v1");
  body.Set("kind", "DeleteOptions");
  body.Set("propagationPolicy", PropagationName(options.propagation));
  if (options.dry_run) body.Set("dryRun", Value::Array{"All"});
  Result<HttpResponse> response =
      transport_->Send(Request("DELETE", ObjectPath(*info, ns, key.name), EmitJson(body)));
  if (!response.ok()) return std::move(response).error().Wrap("delete " + key.ToString());
  if (response->status == 404) return OkStatus();
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, key.ToString());
  }
  return OkStatus();
}

}  // namespace capstan::target::kube
