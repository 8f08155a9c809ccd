#include "sync/sync.h"

namespace capstan::sync {

namespace {

void FillProtocols(Value* ports) {
  if (ports == nullptr || !ports->is_array()) return;
  for (Value& port : ports->as_array()) {
    if (port.is_object() && port.Find("protocol") == nullptr) port.Set("protocol", "TCP");
  }
}

void FillPodSpec(Value* pod_spec) {
  if (pod_spec == nullptr || !pod_spec->is_object()) return;
  for (const char* list : {"initContainers", "containers"}) {
    Value* containers = pod_spec->Find(list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (Value& container : containers->as_array()) {
      if (container.is_object()) FillProtocols(container.Find("ports"));
    }
  }
}

}  // namespace

Value WithListKeyDefaults(Value object) {
  std::string_view kind = KindOf(object);
  std::string_view api_version = object.StringAt({"apiVersion"});
  if (kind == "Service" && api_version == "v1") {
    FillProtocols(object.At({"spec", "ports"}));
  } else if (kind == "Pod" && api_version == "v1") {
    FillPodSpec(object.At({"spec"}));
  } else {
    FillPodSpec(object.At({"spec", "template", "spec"}));
    FillPodSpec(object.At({"spec", "jobTemplate", "spec", "template", "spec"}));
  }
  return object;
}

}  // namespace capstan::sync
