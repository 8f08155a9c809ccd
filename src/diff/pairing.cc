// Which list elements are compared with which. Pairing named things by name keeps one
// container's image change from looking like every later container changed when a
// container is added in front; it falls back to indexes whenever names cannot decide.
#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>

#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

using Keyer = std::optional<std::string> (*)(const Value& element);

std::optional<std::string> StringField(const Value& element, std::string_view field) {
  const Value* v = element.Find(field);
  if (v == nullptr || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return v->as_string();
}

std::optional<std::string> ByName(const Value& e) { return StringField(e, "name"); }
std::optional<std::string> ByMountPath(const Value& e) { return StringField(e, "mountPath"); }
std::optional<std::string> ByDevicePath(const Value& e) { return StringField(e, "devicePath"); }
std::optional<std::string> ByIp(const Value& e) { return StringField(e, "ip"); }

// Ports without names: the number and protocol (TCP when unset) identify them.
std::optional<std::string> ByPort(const Value& e) {
  const Value* number = e.Find("containerPort");
  if (number == nullptr) number = e.Find("port");
  if (number == nullptr || !number->is_int()) return std::nullopt;
  return fmt::format("{}/{}", number->as_int(), e.StringAt({"protocol"}, "TCP"));
}

// Keys of every element, or nullopt when one has none or two share one.
std::optional<std::vector<std::string>> KeysOf(const Value::Array& list, Keyer keyer) {
  std::vector<std::string> keys;
  std::map<std::string, int> seen;
  for (const Value& element : list) {
    std::optional<std::string> key = keyer(element);
    if (!key || seen[*key]++ > 0) return std::nullopt;
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::optional<std::vector<ElementPair>> PairByKey(const Value::Array& desired,
                                                  const Value::Array& live, Keyer keyer) {
  auto desired_keys = KeysOf(desired, keyer);
  auto live_keys = KeysOf(live, keyer);
  if (!desired_keys || !live_keys) return std::nullopt;
  std::map<std::string, size_t> live_index;
  for (size_t j = 0; j < live_keys->size(); ++j) live_index[(*live_keys)[j]] = j;
  std::vector<ElementPair> pairs;
  std::vector<bool> used(live.size(), false);
  std::optional<size_t> previous;
  for (size_t i = 0; i < desired_keys->size(); ++i) {
    auto it = live_index.find((*desired_keys)[i]);
    if (it == live_index.end()) {
      pairs.push_back({i, std::nullopt});
      continue;
    }
    // Reordered common elements are a change of order: compare by index instead.
    if (previous && it->second < *previous) return std::nullopt;
    previous = it->second;
    used[it->second] = true;
    pairs.push_back({i, it->second});
  }
  for (size_t j = 0; j < live.size(); ++j) {
    if (!used[j]) pairs.push_back({std::nullopt, j});
  }
  return pairs;
}

}  // namespace

std::vector<ElementPair> PairElements(std::string_view field, const Value::Array& desired,
                                      const Value::Array& live) {
  std::vector<Keyer> keyers = {ByName};
  if (field == "volumeMounts") keyers.push_back(ByMountPath);
  if (field == "volumeDevices") keyers.push_back(ByDevicePath);
  if (field == "ports") keyers.push_back(ByPort);
  if (field == "hostAliases") keyers.push_back(ByIp);
  if (!desired.empty() && !live.empty()) {
    for (Keyer keyer : keyers) {
      if (auto pairs = PairByKey(desired, live, keyer)) return *pairs;
    }
  }
  std::vector<ElementPair> pairs;
  for (size_t i = 0; i < std::max(desired.size(), live.size()); ++i) {
    pairs.push_back({i < desired.size() ? std::optional<size_t>(i) : std::nullopt,
                     i < live.size() ? std::optional<size_t>(i) : std::nullopt});
  }
  return pairs;
}

bool IsEmptyValue(const Value& value) {
  return value.is_null() || ((value.is_object() || value.is_array()) && value.empty());
}

}  // namespace capstan::diff::internal
