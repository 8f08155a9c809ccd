// Argo CD's spec.source.kustomize overrides (images, namePrefix, nameSuffix, namespace,
// commonLabels, commonAnnotations) against the real kustomize: Argo CD runs `kustomize
// edit` on the top kustomization and then `kustomize build`; capstan applies the same
// overrides in memory. Both must give the same objects.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/yaml.h"
#include "render/render.h"
#include "support/run.h"

namespace capstan {
namespace {

namespace stdfs = std::filesystem;
using it::RunOutput;
using it::RunProgram;
using it::TempDir;

// A copy of the demo's web app, so `kustomize edit` can change the copy's files.
stdfs::path CopyDemo(const TempDir& dir) {
  stdfs::path source = stdfs::path(CAPSTAN_SOURCE_DIR) / "examples" / "demo" / "apps" / "web";
  stdfs::copy(source, dir.path() / "web", stdfs::copy_options::recursive);
  return dir.path() / "web";
}

void Edit(const stdfs::path& overlay, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"kustomize", "edit"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOutput run = RunProgram(argv, overlay);
  ASSERT_EQ(run.exit_code, 0) << "kustomize edit failed (is kustomize on PATH? run "
                                 "scripts/install-deps.sh): "
                              << run.err;
}

std::string KustomizeBuild(const stdfs::path& overlay) {
  RunOutput run = RunProgram({"kustomize", "build", overlay.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.out;
}

std::string CapstanBuild(const stdfs::path& root, const std::string& path,
                         const render::KustomizeOverrides& overrides) {
  render::RenderRequest request;
  request.root = root;
  request.path = path;
  request.kind = render::SourceKind::kKustomize;
  request.kustomize.overrides = overrides;
  auto result = render::Render(request);
  EXPECT_TRUE(result.ok()) << result.error().message();
  if (!result.ok()) return "";
  std::vector<Value> objects;
  for (const Manifest& manifest : result->manifests) objects.push_back(manifest.object);
  return EmitYamlStream(objects);
}

// Both outputs re-emitted by capstan's emitter, so only content can differ.
std::string Normalized(const std::string& yaml) {
  auto documents = ParseYamlStream(yaml, "kustomize output");
  EXPECT_TRUE(documents.ok());
  std::vector<Value> objects;
  if (documents.ok()) {
    for (YamlDocument& document : *documents) {
      if (!document.value.is_null()) objects.push_back(std::move(document.value));
    }
  }
  return EmitYamlStream(objects);
}

TEST(KustomizeOverrides, SameObjectsAsKustomizeEditThenBuild) {
  TempDir pristine, edited;
  stdfs::path ours = CopyDemo(pristine);
  stdfs::path theirs = CopyDemo(edited);
  stdfs::path overlay = theirs / "overlays" / "prod";
  // What Argo CD runs for these spec.source.kustomize fields.
  Edit(overlay, {"set", "image", "localhost/capstan-demo=registry.local:5000/demo/web:v2"});
  Edit(overlay, {"set", "image", "busybox@sha256:" + std::string(64, 'a')});
  Edit(overlay, {"set", "nameprefix", "team-"});
  Edit(overlay, {"set", "namesuffix", "--", "-blue"});
  Edit(overlay, {"set", "namespace", "shop"});
  Edit(overlay, {"add", "label", "--force", "tier:frontend", "owner:payments"});
  Edit(overlay, {"add", "annotation", "--force", "example.com/release:r42"});

  render::KustomizeOverrides overrides;
  overrides.images = {"localhost/capstan-demo=registry.local:5000/demo/web:v2",
                      "busybox@sha256:" + std::string(64, 'a')};
  overrides.name_prefix = "team-";
  overrides.name_suffix = "-blue";
  overrides.namespace_ = "shop";
  overrides.common_labels = {{"tier", "frontend"}, {"owner", "payments"}};
  overrides.common_annotations = {{"example.com/release", "r42"}};

  std::string expected = Normalized(KustomizeBuild(overlay));
  std::string actual = Normalized(CapstanBuild(pristine.path(), "web/overlays/prod", overrides));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(actual, expected);
  EXPECT_NE(actual.find("registry.local:5000/demo/web:v2"), std::string::npos);
  EXPECT_NE(actual.find("name: team-web-blue"), std::string::npos);
}

TEST(KustomizeOverrides, ABadImageArgumentIsOneClearError) {
  TempDir dir;
  CopyDemo(dir);
  render::RenderRequest request;
  request.root = dir.path();
  request.path = "web/overlays/prod";
  request.kustomize.overrides.images = {"=v2"};
  auto result = render::Render(request);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("spec.source.kustomize.images: \"=v2\""),
            std::string::npos)
      << result.error().message();
}

}  // namespace
}  // namespace capstan
