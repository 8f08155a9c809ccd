// Helpers for integration tests: run a program (argv, no shell) and capture its output,
// and make throw-away directories.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace capstan::it {

struct RunOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
  long max_rss_kb = 0;  // peak resident memory of the child
};

// Runs argv[0] (searched on PATH) with the given arguments and waits for it: no shell
// is involved. `cwd` (when not empty) is its working directory; `env` entries
// ("NAME=value") are added to, or replace, this process's environment.
RunOutput RunProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                     const std::vector<std::string>& env = {});

// "exit N", then stdout and stderr, for failure messages.
std::string Describe(const RunOutput& run);

// Splits a command line on spaces: for tests whose arguments hold no spaces.
std::vector<std::string> SplitArgs(const std::string& line);

// A fresh empty directory under the system temp folder, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `contents` to `relative` (creating folders) and returns the full path.
  std::filesystem::path Write(const std::string& relative, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

}  // namespace capstan::it
