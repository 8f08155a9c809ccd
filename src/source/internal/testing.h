// Helpers for the source module's tests only: real Git repositories made with the git CLI.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/process.h"

namespace capstan::source::testing {

// A scratch folder, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "capstan-source-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A non-bare repository on branch `main`, driven through the real `git` program with a
// fixed identity and no user or system configuration.
class GitRepo {
 public:
  explicit GitRepo(std::filesystem::path dir, const std::string& branch = "main")
      : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Git({"init", "-q", "-b", branch});
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::string url() const { return "file://" + dir_.string(); }

  // Runs `git -C dir args...`; a failure fails the test. Returns stdout without the last
  // newline.
  std::string Git(const std::vector<std::string>& args) {
    ProcessOptions options;
    options.argv = {"git", "-C", dir_.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = {{"GIT_CONFIG_NOSYSTEM", "1"},        {"GIT_CONFIG_GLOBAL", "/dev/null"},
                   {"GIT_AUTHOR_NAME", author_name},    {"GIT_AUTHOR_EMAIL", author_email},
                   {"GIT_COMMITTER_NAME", "Committer"}, {"GIT_COMMITTER_EMAIL", "c@example.com"},
                   {"GIT_AUTHOR_DATE", date},           {"GIT_COMMITTER_DATE", date}};
    Result<ProcessResult> result = RunProcess(options);
    if (!result.ok()) {
      ADD_FAILURE() << result.error().message();
      return "";
    }
    if (!result->success()) {
      ADD_FAILURE() << "git " << args[0] << " " << result->Describe() << ": "
                    << result->stderr_data;
    }
    std::string out = result->stdout_data;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void Write(const std::string& path, const std::string& contents) {
    std::filesystem::path file = dir_ / path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
  }

  void Symlink(const std::string& path, const std::string& target) {
    std::filesystem::path link = dir_ / path;
    std::filesystem::create_directories(link.parent_path());
    std::filesystem::create_symlink(target, link);
  }

  // Commits everything in the work tree; returns the new commit's SHA.
  std::string Commit(const std::string& message) {
    Git({"add", "-A"});
    Git({"commit", "-q", "--allow-empty", "-m", message});
    return Git({"rev-parse", "HEAD"});
  }

  std::string author_name = "Ana Author";
  std::string author_email = "ana@example.com";
  std::string date = "1700000000 +0130";

 private:
  std::filesystem::path dir_;
};

}  // namespace capstan::source::testing
