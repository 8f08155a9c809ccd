#include "target/kube/internal/paths.h"

namespace capstan::target::kube {

std::string EscapeQuery(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ApiVersionOf(const KindInfo& info) {
  return info.group.empty() ? info.version : info.group + "/" + info.version;
}

std::string CollectionPath(const KindInfo& info, std::string_view ns) {
  std::string path =
      info.group.empty() ? "/api/" + info.version : "/apis/" + info.group + "/" + info.version;
  if (info.namespaced && !ns.empty()) path += "/namespaces/" + EscapeQuery(ns);
  return path + "/" + info.resource;
}

std::string ObjectPath(const KindInfo& info, std::string_view ns, std::string_view name) {
  return CollectionPath(info, ns) + "/" + EscapeQuery(name);
}

}  // namespace capstan::target::kube
