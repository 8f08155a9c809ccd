#include "support/podman_env.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/run.h"

namespace capstan::it {

namespace {

const std::string kPodmanEnv = std::string(CAPSTAN_SOURCE_DIR) + "/scripts/podman-env.sh";
const std::string kDemoImage = std::string(CAPSTAN_SOURCE_DIR) + "/scripts/demo-image.sh";

// The `export NAME=VALUE` lines podman-env.sh prints. Values are paths under a temp folder,
// which printf %q leaves unquoted; anything quoted is refused rather than misread.
bool ParseExports(const std::string& text, std::vector<std::pair<std::string, std::string>>* env,
                  std::string* error) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string prefix = "export ";
    size_t eq = line.find('=');
    if (line.rfind(prefix, 0) != 0 || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.find_first_of("'\"\\$") != std::string::npos) {
      *error =
          "podman-env.sh printed a quoted value (use a folder without special characters): " + line;
      return false;
    }
    env->emplace_back(line.substr(prefix.size(), eq - prefix.size()), value);
  }
  if (env->size() != 3) {
    *error = "podman-env.sh setup printed " + std::to_string(env->size()) +
             " exports instead of 3:\n" + text;
    return false;
  }
  return true;
}

}  // namespace

std::filesystem::path PodmanEnv::DemoApp() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  // The test binaries live in <build>/tests/integration/.
  return self.parent_path().parent_path().parent_path() / "examples/demo/app/capstan-demo-app";
}

PodmanEnv::PodmanEnv(std::filesystem::path dir, PodmanEnvOptions options) : dir_(std::move(dir)) {
  RunOutput setup = RunProgram({kPodmanEnv, "setup", dir_.string()});
  if (setup.exit_code != 0) {
    error_ = "scripts/podman-env.sh setup failed: " + Describe(setup);
    return;
  }
  if (!ParseExports(setup.out, &env_, &error_)) return;
  if (options.registry) {
    RunOutput registry = RunProgram({kPodmanEnv, "registry", "start", dir_.string()});
    if (registry.exit_code != 0) {
      error_ = "scripts/podman-env.sh registry start failed: " + Describe(registry);
      return;
    }
    registry_ = registry.out.substr(0, registry.out.find('\n'));
  }
  if (options.demo_images) {
    std::vector<std::string> argv = {kDemoImage, DemoApp().string()};
    if (!registry_.empty()) argv.insert(argv.end(), {"--push", registry_});
    RunOutput images = RunProgram(argv, {}, EnvStrings());
    if (images.exit_code != 0) {
      error_ = "scripts/demo-image.sh failed: " + Describe(images);
      return;
    }
  }
  ready_ = true;
}

PodmanEnv::~PodmanEnv() {
  RunOutput run = RunProgram({kPodmanEnv, "teardown", dir_.string()});
  EXPECT_EQ(run.exit_code, 0) << Describe(run);
}

std::vector<std::string> PodmanEnv::EnvStrings() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : env_) out.push_back(name + "=" + value);
  return out;
}

}  // namespace capstan::it
