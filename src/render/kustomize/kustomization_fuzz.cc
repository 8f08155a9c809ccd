// libFuzzer target for the kustomization loader: any kustomization.yaml, next to a small
// fixed set of resources, must build or fail with an error — never crash, hang or read
// outside the root.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "render/kustomize/kustomize.h"

namespace {

namespace fs = std::filesystem;

// The root is made once per process; each input only rewrites kustomization.yaml.
const fs::path& Root() {
  static const fs::path root = [] {
    fs::path dir = fs::temp_directory_path() / ("capstan-kfuzz-" + std::to_string(::getpid()));
    fs::create_directories(dir / "app/base");
    std::ofstream(dir / "app/base/deploy.yaml") << R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        envFrom: [{configMapRef: {name: settings}}]
)";
    std::ofstream(dir / "app/base/svc.yaml")
        << "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
           "spec: {selector: {app: web}, ports: [{port: 80}]}\n";
    std::ofstream(dir / "app/base/kustomization.yaml")
        << "resources: [deploy.yaml, svc.yaml]\n"
           "configMapGenerator: [{name: settings, literals: [A=1]}]\n";
    std::ofstream(dir / "app/patch.yaml")
        << "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n";
    std::ofstream(dir / "app/app.env") << "LEVEL=debug\n";
    return dir;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& root = Root();
  {
    std::ofstream out(root / "app/kustomization.yaml", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto rooted = capstan::RootedFs::Open(root);
  if (!rooted.ok()) return 0;
  capstan::render::KustomizeOptions options;  // no fallback binary: never run programs
  (void)capstan::render::BuildKustomization(*rooted, "app", options);
  return 0;
}
