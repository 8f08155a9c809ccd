#include <fmt/format.h>

#include "core/json.h"
#include "render/internal/generators.h"

namespace capstan::render {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// kubectl and Argo CD flatten `List` and typed lists such as `ConfigMapList`; an object
// whose kind merely ends in "List" but has no `items` list is an ordinary object.
bool IsList(const Value& document) {
  if (!document.is_object()) return false;
  std::string_view kind = KindOf(document);
  if (!EndsWith(kind, "List")) return false;
  const Value* items = document.Find("items");
  return kind == "List" ? (items == nullptr || items->is_null() || items->is_array())
                        : (items != nullptr && items->is_array());
}

// " (web)" when the broken object at least has a name, to help find it.
std::string NameHint(const Value& object) {
  std::string_view name = object.is_object() ? NameOf(object) : std::string_view();
  return name.empty() ? "" : fmt::format(" ({})", name);
}

Status AppendObject(const Value& object, const std::string& where, const std::string& source,
                    std::vector<Manifest>& out) {
  Status valid = ValidateObject(object);
  if (!valid.ok()) return std::move(valid).error().Wrap(where + NameHint(object));
  out.push_back({object, source});
  return OkStatus();
}

Status AppendDocument(const Value& document, const std::string& where, const std::string& source,
                      std::vector<Manifest>& out) {
  if (!IsList(document)) return AppendObject(document, where, source, out);
  const Value* items = document.Find("items");
  if (items == nullptr || items->is_null()) return OkStatus();
  const Value::Array& array = items->as_array();
  for (size_t i = 0; i < array.size(); ++i) {
    CAPSTAN_TRY(AppendObject(array[i], fmt::format("{}: items[{}]", where, i), source, out));
  }
  return OkStatus();
}

}  // namespace

Status AppendDocuments(const std::vector<YamlDocument>& documents, const std::string& source,
                       std::vector<Manifest>& out) {
  for (size_t i = 0; i < documents.size(); ++i) {
    const YamlDocument& document = documents[i];
    if (document.value.is_null()) continue;
    std::string where = fmt::format("{}:{}: document {}", source, document.line, i + 1);
    CAPSTAN_TRY(AppendDocument(document.value, where, source, out));
  }
  return OkStatus();
}

Status AppendManifestText(std::string_view text, const std::string& source,
                          std::vector<Manifest>& out) {
  if (!EndsWith(source, ".json")) {
    auto documents = ParseYamlStream(text, source);
    if (!documents.ok()) return std::move(documents).error();
    return AppendDocuments(*documents, source, out);
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return OkStatus();
  auto value = ParseJson(text, source);
  if (!value.ok()) return std::move(value).error();
  // A JSON file may hold one object or an array of them (as Argo CD accepts).
  if (!value->is_array()) return AppendDocument(*value, source, source, out);
  const Value::Array& array = value->as_array();
  for (size_t i = 0; i < array.size(); ++i) {
    CAPSTAN_TRY(AppendDocument(array[i], fmt::format("{}: [{}]", source, i), source, out));
  }
  return OkStatus();
}

}  // namespace capstan::render
