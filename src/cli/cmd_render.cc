// Placeholder until the render command lands (being written in this session).
#include "cli/commands.h"

namespace capstan::cli {
void AddRenderCommand(CLI::App& app, int& exit_code) {}
}  // namespace capstan::cli
