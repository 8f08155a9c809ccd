#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/version.h"

namespace capstan::cli {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print capstan's version");
  cmd->callback([&exit_code] {
    fmt::print("capstan {}\n", kVersion);
    exit_code = 0;
  });
}

}  // namespace capstan::cli
