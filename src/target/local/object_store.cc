#include "target/local/object_store.h"

#include <fmt/format.h>

#include <random>
#include <utility>

#include "core/base64.h"
#include "core/json.h"
#include "core/time.h"
#include "store/store.h"

namespace capstan::target::local {
namespace {

// Metadata the API server owns: an apply never sets these, it keeps the stored ones.
constexpr const char* kServerMetadata[] = {"uid", "creationTimestamp", "generation",
                                           "resourceVersion", "deletionTimestamp"};

// Everything but metadata and status: what generation counts changes of.
Value DesiredState(const Value& object) {
  Value state = Value::MakeObject();
  if (!object.is_object()) return state;
  for (const auto& [key, value] : object.as_object()) {
    if (key != "metadata" && key != "status" && key != "apiVersion" && key != "kind") {
      state.Set(key, value);
    }
  }
  return state;
}

// Secret.stringData is write-only: the API server folds it into data (base64) and drops it.
void FoldStringData(Value& object) {
  if (KindOf(object) != "Secret") return;
  const Value* found = object.Find("stringData");
  if (found == nullptr) return;
  Value string_data = *found;  // a copy: adding "data" may move the members
  if (string_data.is_object()) {
    Value& data = object["data"];
    for (const auto& [key, value] : string_data.as_object()) {
      if (value.is_string()) data.Set(key, Base64Encode(value.as_string()));
    }
  }
  object.Erase("stringData");
}

}  // namespace

ObjectStore::ObjectStore(store::Store* store, ClockFunction clock)
    : store_(store),
      clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }) {}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(store::Store* store, ClockFunction clock) {
  std::unique_ptr<ObjectStore> objects(new ObjectStore(store, std::move(clock)));
  if (store == nullptr) return objects;
  auto rows = store->LocalObjects();
  if (!rows.ok()) return std::move(rows).error();
  for (const auto& [key, body] : *rows) {
    auto object = ParseJson(body, "local object " + key);
    if (!object.ok()) return std::move(object).error();
    int64_t version =
        object->At({"metadata", "resourceVersion"}) != nullptr
            ? std::stoll(std::string(object->StringAt({"metadata", "resourceVersion"}, "0")))
            : 0;
    objects->resource_version_ = std::max(objects->resource_version_, version);
    objects->objects_.emplace(KeyOf(*object), std::move(*object));
  }
  return objects;
}

void ObjectStore::Subscribe(Listener listener) { listeners_.push_back(std::move(listener)); }

std::string ObjectStore::StoreKey(const ObjectKey& key) {
  return fmt::format("{}/{}/{}/{}", key.group, key.kind, key.ns, key.name);
}

std::string ObjectStore::NewUid() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random();
  uint64_t low = random() ^ ++uid_counter_;
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xfff, ((low >> 48) & 0x3fff) | 0x8000, low & 0xffffffffffff);
}

std::optional<Value> ObjectStore::Get(const ObjectKey& key) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<Value> ObjectStore::List(const ObjectFilter& filter) const {
  std::vector<Value> out;
  std::lock_guard lock(mu_);
  // Keys order by group, kind, namespace, name: the objects asked for are one contiguous
  // range, found by a seek instead of a walk over every object held (the Rollout controller
  // lists four kinds per namespace on every pass).
  for (auto it = objects_.lower_bound({filter.group, filter.kind, filter.ns, ""});
       it != objects_.end(); ++it) {
    const auto& [key, object] = *it;
    if (key.group != filter.group || key.kind != filter.kind) break;
    if (!filter.ns.empty() && key.ns != filter.ns) break;
    if (!filter.labels.Matches(object.At({"metadata", "labels"}))) continue;
    out.push_back(object);
  }
  return out;
}

Status ObjectStore::Persist(const ObjectKey& key, const Value* object) {
  if (store_ == nullptr) return OkStatus();
  if (object == nullptr) return store_->DeleteLocalObject(StoreKey(key));
  return store_->PutLocalObject(StoreKey(key), EmitJson(*object));
}

void ObjectStore::Notify(const Value& object, bool removed) const {
  for (const Listener& listener : listeners_) listener(object, removed);
}

Result<Value> ObjectStore::Apply(const Value& applied, bool dry_run) {
  Value object = applied;
  object.Erase("status");
  FoldStringData(object);
  ObjectKey key = KeyOf(object);
  Value stored;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    Value& metadata = object["metadata"];
    for (const char* field : kServerMetadata) metadata.Erase(field);
    if (it == objects_.end()) {
      metadata.Set("uid", NewUid());
      metadata.Set("creationTimestamp", FormatRfc3339(clock_()));
      metadata.Set("generation", 1);
    } else {
      const Value& old = it->second;
      if (old.At({"metadata", "deletionTimestamp"}) != nullptr) {
        return Error::Conflict(key.ToString() + " is being deleted");
      }
      for (const char* field : kServerMetadata) {
        if (const Value* value = old.At({"metadata", field})) metadata.Set(field, *value);
      }
      int64_t generation = old.At({"metadata", "generation"}) != nullptr &&
                                   old.At({"metadata", "generation"})->is_int()
                               ? old.At({"metadata", "generation"})->as_int()
                               : 1;
      if (DesiredState(old) != DesiredState(object)) ++generation;
      metadata.Set("generation", generation);
      // Setting status may move object's members: `metadata` is not used after this.
      if (const Value* status = old.Find("status")) object.Set("status", *status);
      if (object == old) return old;  // nothing changed: no new resourceVersion, no write
    }
    if (dry_run) return object;
    object["metadata"].Set("resourceVersion", std::to_string(++resource_version_));
    CAPSTAN_TRY(Persist(key, &object));
    objects_[key] = object;
    stored = object;
  }
  Notify(stored, false);
  return stored;
}

Result<Value> ObjectStore::Create(Value object) {
  Value& metadata = object["metadata"];
  if (NameOf(object).empty()) {
    std::string prefix(metadata.StringAt({"generateName"}));
    static thread_local std::mt19937 random(std::random_device{}());
    constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";  // as Kubernetes' rand.String
    std::string suffix;
    for (int i = 0; i < 5; ++i) suffix += kAlphabet[random() % (sizeof(kAlphabet) - 1)];
    metadata.Set("name", prefix + suffix);
  }
  ObjectKey key = KeyOf(object);
  {
    std::lock_guard lock(mu_);
    if (objects_.count(key) != 0) return Error::Conflict(key.ToString() + " already exists");
  }
  Value status = object.Find("status") != nullptr ? *object.Find("status") : Value();
  auto stored = Apply(object);
  if (!stored.ok() || status.is_null()) return stored;
  auto updated = UpdateStatus(key, status);
  if (!updated.ok()) return std::move(updated).error();
  return *Get(key);
}

Result<bool> ObjectStore::UpdateStatus(const ObjectKey& key, const Value& status) {
  Value copy;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Error::NotFound(key.ToString() + " not found");
    const Value* old = it->second.Find("status");
    if (old != nullptr && *old == status) return false;
    copy = it->second;
    copy.Set("status", status);
    copy["metadata"].Set("resourceVersion", std::to_string(++resource_version_));
    CAPSTAN_TRY(Persist(key, &copy));
    it->second = copy;
  }
  Notify(copy, false);
  return true;
}

bool ObjectStore::MarkDeleting(const ObjectKey& key) {
  Value copy;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return false;
    if (it->second.At({"metadata", "deletionTimestamp"}) != nullptr) return true;
    copy = it->second;
    copy["metadata"].Set("deletionTimestamp", FormatRfc3339(clock_()));
    copy["metadata"].Set("resourceVersion", std::to_string(++resource_version_));
    if (!Persist(key, &copy).ok()) return true;  // kept in memory; the next write retries
    it->second = copy;
  }
  Notify(copy, false);
  return true;
}

Status ObjectStore::Remove(const ObjectKey& key) {
  Value last;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return OkStatus();
    CAPSTAN_TRY(Persist(key, nullptr));
    last = std::move(it->second);
    objects_.erase(it);
  }
  Notify(last, true);
  return OkStatus();
}

}  // namespace capstan::target::local
