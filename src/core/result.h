// Errors and results: the one way failures cross module boundaries (no exceptions).
//
// An Error carries a closed code and a message that names the file, object and field,
// e.g. `apps/Deployment default/web: spec.replicas: expected an integer
// (overlays/prod/patch.yaml)`. Each layer that passes an error on adds what it was doing with
// Wrap(): `render kustomize overlays/prod: ...`.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace capstan {

enum class ErrorCode {
  kNotFound,     // a file, object or field that must exist does not
  kInvalid,      // the input is malformed or refers to something it may not
  kConflict,     // two inputs disagree (duplicate object, generator collision)
  kUnavailable,  // an external program or server could not be reached or run
  kInternal,     // a bug in capstan
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error Invalid(std::string message) { return {ErrorCode::kInvalid, std::move(message)}; }
  static Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message)}; }
  static Error Unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message)};
  }
  static Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with what the caller was doing: "context: message".
  Error Wrap(std::string_view context) const& {
    return {code_, std::string(context) + ": " + message_};
  }
  Error Wrap(std::string_view context) && {
    message_.insert(0, std::string(context) + ": ");
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

// Result<T> holds either a T or an Error. Check ok() before value(); value() on an error
// is a bug (asserted in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose, so a function returns a value or an Error directly.
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Status is a Result with no value.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace capstan

// Returns the error of `expr` (a Result) from the enclosing function, wrapped with context.
#define CAPSTAN_TRY(expr)                            \
  do {                                               \
    auto capstan_try_result_ = (expr);               \
    if (!capstan_try_result_.ok()) {                 \
      return std::move(capstan_try_result_).error(); \
    }                                                \
  } while (0)
