#include "support/run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace capstan::it {
namespace {

std::string Drain(int fd) {
  std::string out;
  std::array<char, 65536> buffer{};
  ssize_t n;
  while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) out.append(buffer.data(), n);
  return out;
}

}  // namespace

std::string Describe(const RunOutput& run) {
  return "exit " + std::to_string(run.exit_code) + "\nstdout:\n" + run.out + "\nstderr:\n" +
         run.err;
}

std::vector<std::string> SplitArgs(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  for (char c : line) {
    if (c == ' ') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

RunOutput RunProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                     const std::vector<std::string>& env) {
  // stdout and stderr go to temp files so that neither pipe can fill up and block.
  TempDir scratch;
  std::string out_path = (scratch.path() / "out").string();
  std::string err_path = (scratch.path() / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT, 0600);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // The child's environment: ours, with `env` entries replacing same-named ones.
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view current(*entry);
    bool replaced = false;
    for (const std::string& override_entry : env) {
      auto name = override_entry.substr(0, override_entry.find('=') + 1);
      replaced |= current.substr(0, name.size()) == name;
    }
    if (!replaced) environment.emplace_back(current);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  RunOutput result;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data()) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    result.err = "cannot start " + argv[0];
    return result;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.max_rss_kb = usage.ru_maxrss;
  int out_fd = ::open(out_path.c_str(), O_RDONLY);
  int err_fd = ::open(err_path.c_str(), O_RDONLY);
  result.out = Drain(out_fd);
  result.err = Drain(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  return result;
}

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("capstan-it-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::Write(const std::string& relative,
                                     const std::string& contents) const {
  std::filesystem::path full = path_ / relative;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream(full, std::ios::binary) << contents;
  return full;
}

}  // namespace capstan::it
