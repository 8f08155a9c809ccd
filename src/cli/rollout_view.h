// How `capstan rollout get` and `capstan rollout list` print what the server returns, in the
// layout of `kubectl argo rollouts get`: the Rollout's status, step and weights, replica
// counts, one line per revision with its release identity and role, and every analysis
// measurement with its value.
//
// Pure functions over the API's JSON (server/api.h); thread-safe.
#pragma once

#include <string>

#include "core/value.h"

namespace capstan::cli {

// `view` is GET /api/v1/rollouts/:name's answer.
std::string FormatRolloutView(const Value& view);

// The release steps in `view` ("history", newest first) as a table, oldest first: when, what
// changed, the phase and weight after it, and the stable and new versions.
std::string FormatRolloutHistory(const Value& view);

// `list` is GET /api/v1/rollouts's answer: one line per Rollout.
std::string FormatRolloutList(const Value& list);

}  // namespace capstan::cli
