// A private podman environment for one test binary, from scripts/podman-env.sh: podman's
// configuration and storage in a folder of the test's own, the demo images
// (localhost/capstan-demo:v1 and :v2, scripts/demo-image.sh) built into it, and on request a
// docker-registry on loopback. Tests create it in SetUpTestSuite and report error() from every
// test when it is not ready (a failure in SetUpTestSuite would make GoogleTest skip them).
// A missing podman makes it fail, naming the Debian packages to install.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace capstan::it {

struct PodmanEnvOptions {
  // Build localhost/capstan-demo:v1 and :v2 from the capstan-demo-app beside the test binary.
  bool demo_images = true;
  // Start docker-registry on 127.0.0.1 (a free port) and push both demo images to it.
  bool registry = false;
};

class PodmanEnv {
 public:
  // Sets up the environment in `dir` (which must exist and outlive it).
  explicit PodmanEnv(std::filesystem::path dir, PodmanEnvOptions options = {});
  // Stops the registry, removes every pod and container in the private storage and unmounts
  // it, so the folder can be deleted.
  ~PodmanEnv();
  PodmanEnv(const PodmanEnv&) = delete;
  PodmanEnv& operator=(const PodmanEnv&) = delete;

  bool ready() const { return ready_; }
  // Why it is not ready, with the scripts' output.
  const std::string& error() const { return error_; }
  // CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF: for
  // PodmanOptions::env.
  const std::vector<std::pair<std::string, std::string>>& env() const { return env_; }
  // The same as "NAME=value", for RunProgram.
  std::vector<std::string> EnvStrings() const;
  // "127.0.0.1:PORT" when the registry runs, else empty.
  const std::string& registry() const { return registry_; }
  // The demo app's binary (built by CMake beside the tests).
  static std::filesystem::path DemoApp();

 private:
  std::filesystem::path dir_;
  bool ready_ = false;
  std::string error_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::string registry_;
};

}  // namespace capstan::it
