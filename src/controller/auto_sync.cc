#include "controller/auto_sync.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::controller {

std::chrono::milliseconds SelfHealDelay(int count, const AutoSyncOptions& options) {
  auto factor = int64_t{1} << std::clamp(count, 0, 30);
  return std::min(options.self_heal_max, options.self_heal_base * factor);
}

AutoSyncDecision DecideAutoSync(const AutoSyncInput& input, const AutoSyncOptions& options) {
  if (!input.automated || input.operation_running || !input.out_of_sync) return {};
  std::string short_revision = input.revision.substr(0, 7);
  if (input.desired_objects == 0 && !input.allow_empty) {
    return {AutoSyncAction::kSkip,
            fmt::format("Skipping sync attempt to {}: auto-sync will wipe out all resources "
                        "(set syncPolicy.automated.allowEmpty to allow it)",
                        short_revision)};
  }
  if (input.last_attempt_revision != input.revision) return {AutoSyncAction::kSync, ""};
  if (!input.last_attempt_succeeded) {
    return {AutoSyncAction::kSkip,
            fmt::format("Skipping sync attempt to {}: the previous attempt failed; a new commit "
                        "or `capstan app sync` tries again",
                        short_revision)};
  }
  if (!input.self_heal) {
    return {AutoSyncAction::kSkip,
            fmt::format("Live state differs from {} and selfHeal is off: drift is reported, "
                        "not corrected",
                        short_revision)};
  }
  auto delay = input.self_heal_count == 0 ? std::chrono::milliseconds(0)
                                          : SelfHealDelay(input.self_heal_count - 1, options);
  if (input.since_last_heal < delay) {
    return {AutoSyncAction::kWait, "", delay - input.since_last_heal};
  }
  return {AutoSyncAction::kSelfHeal, ""};
}

}  // namespace capstan::controller
