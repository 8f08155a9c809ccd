#include "core/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace capstan {
namespace {

using Clock = std::chrono::steady_clock;

// Owns one file descriptor; -1 when closed.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Status MakePipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Error::Unavailable(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  pipe.read.Reset(fds[0]);
  pipe.write.Reset(fds[1]);
  return OkStatus();
}

// capstan's environment with `additions` replacing same-named variables.
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& additions) {
  std::map<std::string, std::string> overrides(additions.begin(), additions.end());
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    if (!overrides.contains(name)) env.emplace_back(entry);
  }
  for (const auto& [name, value] : overrides) env.push_back(fmt::format("{}={}", name, value));
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Everything posix_spawn needs, released on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// Writes to a pipe whose reader may have gone raise SIGPIPE in the writing thread; it is
// blocked here and the pending signal swallowed, so capstan sees EPIPE instead of dying.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old_);
  }
  ~ScopedSigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

std::string ProgramName(const ProcessOptions& options) { return options.argv.front(); }

Error NotFoundError(const ProcessOptions& options, int error) {
  std::string hint =
      options.install_hint.empty() ? "install it or put it on PATH" : options.install_hint;
  std::string_view what = error == ENOENT ? "not found" : std::strerror(error);
  if (options.argv.front().find('/') == std::string::npos && error == ENOENT) {
    return Error::Unavailable(
        fmt::format("program \"{}\" not found on PATH; {}", ProgramName(options), hint));
  }
  return Error::Unavailable(
      fmt::format("program \"{}\" cannot be run ({}); {}", ProgramName(options), what, hint));
}

// Reads what is available from `fd` into `out`; false at end of file. Sets `overflow`
// when `out` would pass `limit`.
bool Drain(int fd, std::string& out, size_t limit, bool& overflow) {
  char buffer[65536];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  if (out.size() + static_cast<size_t>(n) > limit) {
    overflow = true;
    return false;
  }
  out.append(buffer, static_cast<size_t>(n));
  return true;
}

int OpenPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  return -1;
#endif
}

}  // namespace

std::string ProcessResult::Describe() const {
  if (signal != 0) return fmt::format("was killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exited with status {}", exit_code);
}

std::string TrimProgramOutput(std::string_view text, size_t max_bytes) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  if (text.size() <= max_bytes) return std::string(text);
  return "..." + std::string(text.substr(text.size() - max_bytes));
}

Result<ProcessResult> RunProcess(const ProcessOptions& options) {
  if (options.argv.empty()) return Error::Internal("RunProcess: empty argv");
  Pipe in, out, err;
  CAPSTAN_TRY(MakePipe(out));
  CAPSTAN_TRY(MakePipe(err));
  if (options.stdin_data) CAPSTAN_TRY(MakePipe(in));

  SpawnSetup setup;
  if (options.stdin_data) {
    posix_spawn_file_actions_adddup2(&setup.actions, in.read.get(), STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), STDERR_FILENO);
  std::string workdir = options.working_directory.string();
  if (!workdir.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, workdir.c_str());
  // Its own process group, so a time-out can kill helm's children too; default signal
  // handling and an empty mask, whatever capstan itself blocks or ignores.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);

  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = BuildEnvironment(options.env);
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = 0;
  int spawn_error =
      ::posix_spawnp(&pid, c_argv[0], &setup.actions, &setup.attr, c_argv.data(), c_env.data());
  if (spawn_error == ENOENT && !workdir.empty() && !std::filesystem::is_directory(workdir)) {
    return Error::Unavailable(fmt::format("cannot run \"{}\": working directory {} does not exist",
                                          ProgramName(options), workdir));
  }
  if (spawn_error == ENOENT || spawn_error == EACCES || spawn_error == ENOEXEC) {
    return NotFoundError(options, spawn_error);
  }
  if (spawn_error != 0) {
    return Error::Unavailable(
        fmt::format("cannot run \"{}\": {}", ProgramName(options), std::strerror(spawn_error)));
  }
  in.read.Close();
  out.write.Close();
  err.write.Close();

  Fd pidfd(OpenPidFd(pid));
  ScopedSigpipeBlock sigpipe_block;
  if (options.stdin_data) ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  size_t stdin_written = 0;
  if (options.stdin_data && options.stdin_data->empty()) in.write.Close();

  ProcessResult result;
  bool out_open = true, err_open = true, exited = false, out_over = false, err_over = false;
  bool timed_out = false;
  int poll_error = 0;
  auto deadline = Clock::now() + options.timeout;
  while (out_open || err_open || !exited) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out.read.get(), POLLIN, 0});
    if (err_open) fds.push_back({err.read.get(), POLLIN, 0});
    if (in.write.get() >= 0) fds.push_back({in.write.get(), POLLOUT, 0});
    if (!exited && pidfd.get() >= 0) fds.push_back({pidfd.get(), POLLIN, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    // Without a pidfd, exit is noticed by checking now and then.
    int wait_ms = pidfd.get() >= 0 ? static_cast<int>(left.count())
                                   : static_cast<int>(std::min<int64_t>(left.count(), 20));
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) {
      poll_error = errno;
      break;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == out.read.get())
        out_open = Drain(p.fd, result.stdout_data, options.max_stdout_bytes, out_over);
      if (p.fd == err.read.get())
        err_open = Drain(p.fd, result.stderr_data, options.max_stderr_bytes, err_over);
      if (p.fd == in.write.get()) {
        const std::string& data = *options.stdin_data;
        ssize_t n = ::write(p.fd, data.data() + stdin_written, data.size() - stdin_written);
        if (n > 0) stdin_written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_written == data.size()) {
          in.write.Close();
        }
      }
    }
    if (out_over || err_over) break;
    if (!exited) {
      // Not reaped yet, so the pid (and group id) cannot be reused before the kill below.
      siginfo_t info{};
      if (::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
        exited = true;
        ::kill(-pid, SIGKILL);  // leftovers in its group would hold the pipes open
      }
    }
  }
  ::kill(-pid, SIGKILL);  // a no-op once the group is gone
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = -1;
  } else {
    result.exit_code = WEXITSTATUS(status);
  }

  if (timed_out) {
    auto seconds = std::chrono::duration<double>(options.timeout).count();
    std::string tail = TrimProgramOutput(result.stderr_data, 1024);
    return Error::Unavailable(fmt::format("\"{}\" did not finish within {}s and was killed{}{}",
                                          ProgramName(options), seconds,
                                          tail.empty() ? "" : "; its stderr: ", tail));
  }
  if (poll_error != 0) {
    return Error::Unavailable(fmt::format("waiting for \"{}\" failed: {}", ProgramName(options),
                                          std::strerror(poll_error)));
  }
  if (out_over || err_over) {
    return Error::Invalid(
        fmt::format("\"{}\" wrote more than {} bytes to {} and was killed", ProgramName(options),
                    out_over ? options.max_stdout_bytes : options.max_stderr_bytes,
                    out_over ? "stdout" : "stderr"));
  }
  return result;
}

}  // namespace capstan
