#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kSuccessful:
      return "Successful";
    case Phase::kRunning:
      return "Running";
    case Phase::kPending:
      return "Pending";
    case Phase::kInconclusive:
      return "Inconclusive";
    case Phase::kError:
      return "Error";
    case Phase::kFailed:
      return "Failed";
  }
  return "Unknown";
}

std::optional<Phase> ParsePhase(std::string_view name) {
  if (name.empty()) return Phase::kPending;
  for (Phase phase : {Phase::kSuccessful, Phase::kRunning, Phase::kPending, Phase::kInconclusive,
                      Phase::kError, Phase::kFailed}) {
    if (PhaseName(phase) == name) return phase;
  }
  return std::nullopt;
}

bool IsCompleted(Phase phase) {
  return phase == Phase::kSuccessful || phase == Phase::kInconclusive || phase == Phase::kError ||
         phase == Phase::kFailed;
}

Phase Worst(Phase a, Phase b) { return static_cast<int>(b) > static_cast<int>(a) ? b : a; }

}  // namespace capstan::rollout::analysis
