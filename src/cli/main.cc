// capstan: GitOps continuous delivery with progressive rollouts. `main` only wires the
// sub-commands; each lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/log.h"

int main(int argc, char** argv) {
  CLI::App app{"capstan: render, check, diff and deliver Kubernetes manifests"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log what capstan is doing to stderr");
  app.parse_complete_callback([&] {
    if (verbose) capstan::SetLogLevel(capstan::LogLevel::kInfo);
  });

  int exit_code = 0;
  capstan::cli::AddRenderCommand(app, exit_code);
  capstan::cli::AddLintCommand(app, exit_code);
  capstan::cli::AddDiffCommand(app, exit_code);
  capstan::cli::AddApplyCommand(app, exit_code);
  capstan::cli::AddUpCommand(app, exit_code);
  capstan::cli::AddDownCommand(app, exit_code);
  capstan::cli::AddRolloutCommand(app, exit_code);
  capstan::cli::AddServerCommand(app, exit_code);
  capstan::cli::AddAppCommand(app, exit_code);
  capstan::cli::AddVersionCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
