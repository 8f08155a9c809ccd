// Value: the JSON-like tree every manifest is held in.
//
// A Value is null, a bool, a 64-bit integer, a double, a string, an array or an object.
// Objects keep their keys in insertion order (so output follows the author's order) and
// never hold the same key twice. Values are plain data: copyable, comparable, not
// thread-safe for concurrent mutation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace capstan {

class Value {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  using Object = std::vector<Member>;
  using Path = std::initializer_list<std::string_view>;

  // Implicit on purpose: `v["replicas"] = 3` and `Value::Array{"a", 1}` read like the
  // manifests they build.
  Value() = default;
  Value(std::nullptr_t) {}                              // NOLINT(google-explicit-constructor)
  Value(bool b) : data_(b) {}                           // NOLINT(google-explicit-constructor)
  Value(int i) : data_(static_cast<int64_t>(i)) {}      // NOLINT(google-explicit-constructor)
  Value(int64_t i) : data_(i) {}                        // NOLINT(google-explicit-constructor)
  Value(double d) : data_(d) {}                         // NOLINT(google-explicit-constructor)
  Value(std::string s) : data_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Value(std::string_view s) : data_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Value(const char* s) : data_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Value(Array a) : data_(std::move(a)) {}               // NOLINT(google-explicit-constructor)
  Value(Object o) : data_(std::move(o)) {}              // NOLINT(google-explicit-constructor)

  static Value MakeObject() { return Value(Object{}); }
  static Value MakeArray() { return Value(Array{}); }

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // REQUIRES: the matching is_*() is true (as_double also accepts an integer).
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  std::string& as_string() { return std::get<std::string>(data_); }
  const Array& as_array() const { return std::get<Array>(data_); }
  Array& as_array() { return std::get<Array>(data_); }
  const Object& as_object() const { return std::get<Object>(data_); }
  Object& as_object() { return std::get<Object>(data_); }

  // Number of elements of an array or members of an object; 0 for scalars.
  size_t size() const;
  bool empty() const { return size() == 0; }

  // Object access. Find returns nullptr when this is not an object or has no such key.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Returns the member `key`, appending a null one if missing. A null Value becomes an
  // empty object first. REQUIRES: is_object() or is_null().
  Value& operator[](std::string_view key);
  // Sets `key` to `value`, keeping its position when it already exists.
  Value& Set(std::string_view key, Value value);
  // Removes `key`; returns whether it was there.
  bool Erase(std::string_view key);

  // Walks object keys; nullptr when any step is missing or not an object.
  const Value* At(Path path) const;
  Value* At(Path path);
  // The string at `path`, or `fallback` when missing or not a string.
  std::string_view StringAt(Path path, std::string_view fallback = {}) const;

  // Structural equality. Numbers compare by value (1 == 1.0), object members by key
  // regardless of order, arrays element by element.
  friend bool operator==(const Value& a, const Value& b);

  // Number of nodes in this tree (this one included); used to bound alias expansion.
  size_t NodeCount() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> data_;
};

std::string_view TypeName(Value::Type type);

}  // namespace capstan
