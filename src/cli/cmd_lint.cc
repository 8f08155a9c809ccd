// Placeholder until the lint command lands (being written in this session).
#include "cli/commands.h"

namespace capstan::cli {
void AddLintCommand(CLI::App& app, int& exit_code) {}
}  // namespace capstan::cli
