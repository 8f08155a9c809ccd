#include "core/process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace capstan {
namespace {

using std::chrono::milliseconds;

ProcessOptions Argv(std::vector<std::string> argv) {
  ProcessOptions options;
  options.argv = std::move(argv);
  return options;
}

ProcessOptions Sh(std::string script) { return Argv({"/bin/sh", "-c", std::move(script)}); }

TEST(RunProcessTest, CollectsOutputExitCodeAndSignal) {
  struct Case {
    std::string name;
    std::string script;
    std::string want_stdout;
    std::string want_stderr;
    int want_exit;
    int want_signal;
  };
  std::vector<Case> cases = {
      {"success writes both streams", "echo out; echo err >&2", "out\n", "err\n", 0, 0},
      {"a failing program is a result, not an error", "echo nope >&2; exit 3", "", "nope\n", 3, 0},
      {"a program killed by a signal reports it", "kill -TERM $$", "", "", -1, 15},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = RunProcess(Sh(c.script));
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->stdout_data, c.want_stdout);
    EXPECT_EQ(result->stderr_data, c.want_stderr);
    EXPECT_EQ(result->exit_code, c.want_exit);
    EXPECT_EQ(result->signal, c.want_signal);
    EXPECT_EQ(result->success(), c.want_exit == 0 && c.want_signal == 0);
  }
}

TEST(RunProcessTest, DescribesHowAProgramEnded) {
  ProcessResult exited;
  exited.exit_code = 2;
  EXPECT_EQ(exited.Describe(), "exited with status 2");
  ProcessResult killed;
  killed.exit_code = -1;
  killed.signal = 9;
  EXPECT_EQ(killed.Describe(), "was killed by signal 9 (Killed)");
}

TEST(RunProcessTest, PassesArgumentsWithoutAShell) {
  auto result = RunProcess(Argv({"printf", "%s|", "a b", "$HOME", "*", "; rm -rf /"}));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->stdout_data, "a b|$HOME|*|; rm -rf /|");
}

TEST(RunProcessTest, FeedsStdinLargerThanAPipeBuffer) {
  std::string input(3u << 20, 'x');
  input += "end";
  ProcessOptions options = Argv({"cat"});
  options.stdin_data = input;
  auto result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->stdout_data.size(), input.size());
  EXPECT_EQ(result->stdout_data, input);
}

TEST(RunProcessTest, StdinIsEmptyByDefault) {
  auto result = RunProcess(Argv({"cat"}));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->stdout_data, "");
}

TEST(RunProcessTest, AddsEnvironmentAndWorkingDirectory) {
  ProcessOptions options = Sh("echo \"$CAPSTAN_TEST_VAR\"; pwd");
  options.env = {{"CAPSTAN_TEST_VAR", "from the test"}};
  options.working_directory = std::filesystem::canonical("/tmp");
  auto result = RunProcess(options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->stdout_data, "from the test\n/tmp\n");
}

TEST(RunProcessTest, AProgramNotFoundNamesItAndSaysHowToInstallIt) {
  ProcessOptions options = Argv({"capstan-no-such-program", "x"});
  options.install_hint = "run scripts/install-deps.sh";
  auto result = RunProcess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message(),
            "program \"capstan-no-such-program\" not found on PATH; run scripts/install-deps.sh");

  auto absolute = RunProcess(Argv({"/nonexistent/helm"}));
  ASSERT_FALSE(absolute.ok());
  EXPECT_EQ(absolute.error().message(),
            "program \"/nonexistent/helm\" cannot be run (not found); install it or put it on "
            "PATH");
}

TEST(RunProcessTest, TimeOutKillsTheWholeProcessGroup) {
  // The background sleep keeps stdout open: without killing the group, this would hang.
  ProcessOptions options = Sh("echo started >&2; sleep 30 & sleep 30");
  options.timeout = milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto result = RunProcess(options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message(),
            "\"/bin/sh\" did not finish within 0.3s and was killed; its stderr: started");
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RunProcessTest, LeftoverChildrenDoNotHoldTheCallerUp) {
  auto start = std::chrono::steady_clock::now();
  auto result = RunProcess(Sh("sleep 30 & echo done"));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->stdout_data, "done\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunProcessTest, OutputOverTheLimitIsAnError) {
  struct Case {
    std::string name;
    std::string script;
    std::string want;
  };
  std::vector<Case> cases = {
      {"stdout", "head -c 5000 /dev/zero", "\"/bin/sh\" wrote more than 1000 bytes to stdout"},
      {"stderr", "head -c 5000 /dev/zero >&2", "\"/bin/sh\" wrote more than 100 bytes to stderr"},
      {"endless stdout", "yes", "\"/bin/sh\" wrote more than 1000 bytes to stdout"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ProcessOptions options = Sh(c.script);
    options.max_stdout_bytes = 1000;
    options.max_stderr_bytes = 100;
    auto result = RunProcess(options);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalid);
    EXPECT_EQ(result.error().message(), c.want + " and was killed");
  }
}

TEST(TrimProgramOutputTest, KeepsTheEndOfLongOutput) {
  EXPECT_EQ(TrimProgramOutput("  Error: boom\n\n"), "Error: boom");
  EXPECT_EQ(TrimProgramOutput("0123456789", 4), "...6789");
}

}  // namespace
}  // namespace capstan
