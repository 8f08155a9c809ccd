// RFC 6902 JSON patch as kustomize applies it (evanphx/json-patch v4 over the object's
// JSON form), including that library's departures from the RFC, which kustomize users
// rely on: negative array indexes count from the end (-1 is the last element; for `add`,
// -1 appends), `test` of a missing key passes when the expected value is null, and a path
// without a leading "/" names a field of the object itself.
#include <fmt/format.h>

#include <charconv>
#include <string>
#include <vector>

#include "core/json.h"
#include "render/kustomize/patch.h"

namespace capstan::render {
namespace {

// One step of a pointer, "~1" and "~0" decoded.
std::string DecodeToken(std::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// Parses a decimal index the way Go's strconv.Atoi does (sign allowed, nothing else).
bool ParseIndex(std::string_view text, int64_t& out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The container holding the last step of `path`, and that step. Null when the path has no
// step ("") or an intermediate step is missing or not a container.
Value* FindParent(Value& doc, std::string_view path, std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2) return nullptr;
  Value* cur = &doc;
  for (size_t i = 1; i + 1 < parts.size(); ++i) {
    std::string step = DecodeToken(parts[i]);
    Value* next = nullptr;
    if (cur->is_object()) {
      next = cur->Find(step);
    } else if (cur->is_array()) {
      int64_t idx = 0;
      auto& items = cur->as_array();
      const auto size = static_cast<int64_t>(items.size());
      if (!ParseIndex(step, idx) || idx >= size || idx < -size) return nullptr;
      next = &items[idx < 0 ? idx + size : idx];
    }
    if (next == nullptr || !(next->is_object() || next->is_array())) return nullptr;
    cur = next;
  }
  key = DecodeToken(parts.back());
  return cur;
}

// Resolves an array index for reading, removing or replacing an element.
Result<size_t> ExistingIndex(const Value::Array& items, const std::string& key) {
  int64_t idx = 0;
  if (!ParseIndex(key, idx))
    return Error::Invalid(fmt::format("\"{}\" is not an array index", key));
  const auto size = static_cast<int64_t>(items.size());
  if (idx >= size || idx < -size) {
    return Error::Invalid(fmt::format("index {} is out of range for a list of {}", idx, size));
  }
  return static_cast<size_t>(idx < 0 ? idx + size : idx);
}

Result<const Value*> Get(Value& container, const std::string& key) {
  if (container.is_object()) return static_cast<const Value*>(container.Find(key));
  auto idx = ExistingIndex(container.as_array(), key);
  if (!idx.ok()) return std::move(idx).error();
  return static_cast<const Value*>(&container.as_array()[*idx]);
}

Status Add(Value& container, const std::string& key, Value value) {
  if (container.is_object()) {
    container.Set(key, std::move(value));
    return OkStatus();
  }
  auto& items = container.as_array();
  if (key == "-") {
    items.push_back(std::move(value));
    return OkStatus();
  }
  int64_t idx = 0;
  if (!ParseIndex(key, idx))
    return Error::Invalid(fmt::format("\"{}\" is not an array index", key));
  const auto size = static_cast<int64_t>(items.size()) + 1;
  if (idx >= size || idx < -size) {
    return Error::Invalid(fmt::format("index {} is out of range for a list of {}", idx, size - 1));
  }
  items.insert(items.begin() + (idx < 0 ? idx + size : idx), std::move(value));
  return OkStatus();
}

Status Remove(Value& container, const std::string& key) {
  if (container.is_object()) {
    if (!container.Erase(key))
      return Error::NotFound(fmt::format("no field \"{}\" to remove", key));
    return OkStatus();
  }
  auto idx = ExistingIndex(container.as_array(), key);
  if (!idx.ok()) return std::move(idx).error();
  container.as_array().erase(container.as_array().begin() + static_cast<int64_t>(*idx));
  return OkStatus();
}

struct Operation {
  std::string op, path, from;
  const Value* value = nullptr;  // nullptr when the operation has no "value"
};

Result<Operation> ReadOperation(const Value& raw) {
  if (!raw.is_object()) return Error::Invalid("an operation must be a map");
  Operation op;
  for (auto [field, out] : {std::pair{"op", &op.op}, {"path", &op.path}, {"from", &op.from}}) {
    const Value* v = raw.Find(field);
    if (v == nullptr) continue;
    if (!v->is_string()) return Error::Invalid(fmt::format("\"{}\" must be a string", field));
    *out = v->as_string();
  }
  if (!raw.Contains("path")) return Error::Invalid("the operation has no \"path\"");
  op.value = raw.Find("value");
  return op;
}

Status Apply(Value& doc, const Operation& op) {
  static const Value kNull;
  const Value& value = op.value != nullptr ? *op.value : kNull;
  std::string key;
  if (op.op == "replace" && op.path.empty()) {
    if (!value.is_object() && !value.is_array()) {
      return Error::Invalid("replacing the whole object needs a map or a list");
    }
    doc = value;
    return OkStatus();
  }
  if (op.op == "test" && op.path.empty()) {
    if (doc == value) return OkStatus();
    return Error::Invalid("the object differs from the tested value");
  }
  if (op.op == "add" || op.op == "remove" || op.op == "replace" || op.op == "test") {
    Value* parent = FindParent(doc, op.path, key);
    if (parent == nullptr) return Error::NotFound("the path does not exist");
    if (op.op == "add") return Add(*parent, key, value);
    if (op.op == "remove") return Remove(*parent, key);
    auto current = Get(*parent, key);
    if (!current.ok()) return std::move(current).error();
    if (op.op == "replace" && *current == nullptr) {
      return Error::NotFound(fmt::format("no field \"{}\" to replace", key));
    }
    if (op.op == "replace") {
      if (parent->is_object()) {
        parent->Set(key, value);
      } else {
        parent->as_array()[*ExistingIndex(parent->as_array(), key)] = value;
      }
      return OkStatus();
    }
    if (*current == nullptr) {
      if (value.is_null()) return OkStatus();
      return Error::Invalid("the tested field does not exist");
    }
    if (**current == value) return OkStatus();
    return Error::Invalid(
        fmt::format("the value is {}, not {}", EmitJson(**current), EmitJson(value)));
  }
  if (op.op == "move" || op.op == "copy") {
    Value* from_parent = FindParent(doc, op.from, key);
    if (from_parent == nullptr) {
      return Error::NotFound(fmt::format("the \"from\" path {} does not exist", op.from));
    }
    auto source = Get(*from_parent, key);
    if (!source.ok()) return std::move(source).error().Wrap(fmt::format("from {}", op.from));
    if (*source == nullptr) {
      return Error::NotFound(fmt::format("the \"from\" path {} does not exist", op.from));
    }
    Value moved = **source;
    if (op.op == "move") CAPSTAN_TRY(Remove(*from_parent, key));
    Value* parent = FindParent(doc, op.path, key);
    if (parent == nullptr) return Error::NotFound("the destination path does not exist");
    return Add(*parent, key, std::move(moved));
  }
  return Error::Invalid(fmt::format("unknown operation \"{}\"", op.op));
}

}  // namespace

Status ApplyJson6902(Value& target, const Value& operations) {
  if (!operations.is_array()) {
    return Error::Invalid("json patch: the operations must be a list");
  }
  Value doc = target;
  const auto& ops = operations.as_array();
  for (size_t i = 0; i < ops.size(); ++i) {
    auto op = ReadOperation(ops[i]);
    if (!op.ok()) return std::move(op).error().Wrap(fmt::format("json patch operation {}", i));
    Status applied = Apply(doc, *op);
    if (!applied.ok()) {
      return std::move(applied).error().Wrap(
          fmt::format("json patch operation {} ({} {})", i, op->op, op->path));
    }
  }
  target = std::move(doc);
  return OkStatus();
}

}  // namespace capstan::render
