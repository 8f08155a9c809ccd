// `capstan render PATH`: prints the objects a folder (or one file) renders to, as YAML or JSON.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/render_flags.h"
#include "core/json.h"
#include "core/yaml.h"
#include "render/render.h"

namespace capstan::cli {
namespace {

constexpr std::string_view kRenderFooter = R"(
The generator is chosen from the folder: a kustomization.yaml (or .yml, or Kustomization)
means Kustomize, built natively; a Chart.yaml means Helm, rendered by the real
`helm template`; anything else is a directory of YAML/JSON manifests. A single file is
read on its own. Nothing outside --root is read: `../` paths and symbolic links that
leave it are refused.

Examples:
  capstan render examples/demo/apps/web/overlays/prod
  capstan render examples/demo/apps/api -n shop --set replicaCount=3 -o json
  capstan render manifests/ --no-recurse --include '*.yaml' --exclude 'test-*'

Exit status: 0 rendered, 2 usage or render error (one line on stderr).
)";

std::string Print(const render::RenderResult& result, const std::string& output) {
  if (output == "json") {
    Value list = Value::MakeObject();
    list.Set("apiVersion", "v1");
    list.Set("kind", "List");
    Value items = Value::MakeArray();
    for (const Manifest& m : result.manifests) items.as_array().push_back(m.object);
    list.Set("items", std::move(items));
    return EmitJson(list, 4) + "\n";
  }
  std::vector<Value> objects;
  objects.reserve(result.manifests.size());
  for (const Manifest& m : result.manifests) objects.push_back(m.object);
  return EmitYamlStream(objects);
}

}  // namespace

void AddRenderCommand(CLI::App& app, int& exit_code) {
  struct Flags {
    RenderFlags render;
    std::string output = "yaml";
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Render a folder (plain manifests, Kustomize or Helm) into Kubernetes objects");
  cmd->footer(std::string(kRenderFooter));
  cmd->add_option("PATH", flags->render.path, "Folder to render, or one manifest file")->required();
  cmd->add_option("-o,--output", flags->output,
                  "Output format: yaml (a --- stream) or json (a List)")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  AddRenderFlags(*cmd, flags->render);

  cmd->callback([flags, &exit_code] {
    auto request = BuildRenderRequest(flags->render);
    auto result = request.ok() ? render::Render(*request)
                               : Result<render::RenderResult>(std::move(request).error());
    if (!result.ok()) {
      std::string message = result.error().message();
      std::replace(message.begin(), message.end(), '\n', ' ');
      fmt::print(stderr, "capstan render: {}\n", message);
      exit_code = 2;
      return;
    }
    fmt::print("{}", Print(*result, flags->output));
    exit_code = 0;
  });
}

}  // namespace capstan::cli
