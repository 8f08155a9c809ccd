// Each `capstan` sub-command registers itself on the root CLI11 app. A command's callback
// sets the process exit code through the reference it is given: 0 success, 1 findings or
// differences (lint, diff), 2 usage or input errors.
#pragma once

#include <CLI/CLI.hpp>

namespace capstan::cli {

void AddRenderCommand(CLI::App& app, int& exit_code);
void AddLintCommand(CLI::App& app, int& exit_code);
void AddDiffCommand(CLI::App& app, int& exit_code);
void AddVersionCommand(CLI::App& app, int& exit_code);
void AddAppCommand(CLI::App& app, int& exit_code);
void AddServerCommand(CLI::App& app, int& exit_code);
void AddApplyCommand(CLI::App& app, int& exit_code);
void AddUpCommand(CLI::App& app, int& exit_code);
void AddDownCommand(CLI::App& app, int& exit_code);
void AddRolloutCommand(CLI::App& app, int& exit_code);

}  // namespace capstan::cli
