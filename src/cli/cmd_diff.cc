// Placeholder until the diff command lands (being written in this session).
#include "cli/commands.h"

namespace capstan::cli {
void AddDiffCommand(CLI::App& app, int& exit_code) {}
}  // namespace capstan::cli
