// Running external programs (helm, a kustomize fallback, git hooks): argv only, never a
// shell, with a time-out and bounded output.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace capstan {

struct ProcessOptions {
  // argv[0] is the program: looked up on PATH unless it contains a '/'. Arguments are
  // passed as they are; nothing is interpreted by a shell. REQUIRES: not empty.
  std::vector<std::string> argv;
  // Bytes written to the program's standard input, which is then closed. nullopt
  // (default): standard input is /dev/null.
  std::optional<std::string> stdin_data;
  // Variables added to (or replacing those of) capstan's own environment, NAME -> value.
  std::vector<std::pair<std::string, std::string>> env;
  // Directory the program starts in. Empty (default): capstan's current directory.
  std::filesystem::path working_directory;
  // The program and everything in its process group are killed (SIGKILL) after this.
  // Default 90 s: helm renders a large chart in a few seconds.
  std::chrono::milliseconds timeout = std::chrono::seconds(90);
  // Largest standard output kept; more kills the program and is an error. Default 64 MiB,
  // about twice the largest manifest stream capstan parses.
  size_t max_stdout_bytes = 64u << 20;
  // Largest standard error kept; more kills the program and is an error. Default 1 MiB.
  size_t max_stderr_bytes = 1u << 20;
  // How to get the program when it is not found, appended to that error, e.g.
  // "run scripts/install-deps.sh or pass --helm PATH". Empty: a generic hint.
  std::string install_hint;
};

// How a program ended and what it wrote. Exiting non-zero is a result, not an error:
// the caller decides what a failure means.
struct ProcessResult {
  int exit_code = 0;  // the exit status when it exited; -1 when killed by a signal
  int signal = 0;     // the signal that ended it, 0 when it exited
  std::string stdout_data;
  std::string stderr_data;

  bool success() const { return signal == 0 && exit_code == 0; }
  // "exited with status 1" or "was killed by signal 9 (Killed)".
  std::string Describe() const;
};

// Starts argv[0] in its own process group, feeds stdin, collects stdout and stderr and
// waits for it. When the program exits, whatever it left running in its process group is
// killed too. Errors:
//   Unavailable  the program is not found or not executable (names it, says how to get
//                it), could not be started, or ran past the time-out (it is killed)
//   Invalid      it wrote more than a max_*_bytes limit (it is killed)
// Thread-safe: several threads may run programs at once.
Result<ProcessResult> RunProcess(const ProcessOptions& options);

// `text` without trailing whitespace, and at most `max_bytes` long (the end is kept,
// where programs put their error), for putting a program's stderr into one message.
std::string TrimProgramOutput(std::string_view text, size_t max_bytes = 4096);

}  // namespace capstan
