// BuildKustomization end to end on small fixtures (kustomize/testdata/build/): name
// references after prefixes, namespaces and hash suffixes; label propagation; and the
// errors a user meets (unknown field, escapes, missing file, invalid YAML, unsupported).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fs.h"
#include "render/kustomize/kustomize.h"

namespace capstan::render {
namespace {

namespace stdfs = std::filesystem;

const std::string kFixtures = "kustomize/testdata/build/";

KustomizeOutput BuildFixture(const std::string& name) {
  auto fs = RootedFs::Open(kFixtures + name);
  EXPECT_TRUE(fs.ok()) << fs.error().message();
  auto built = BuildKustomization(*fs, ".", KustomizeOptions{});
  EXPECT_TRUE(built.ok()) << built.error().message();
  return built.ok() ? *built : KustomizeOutput{};
}

std::string BuildError(const std::string& root, const std::string& dir,
                       const KustomizeOptions& options = {}) {
  auto fs = RootedFs::Open(root);
  EXPECT_TRUE(fs.ok()) << fs.error().message();
  auto built = BuildKustomization(*fs, dir, options);
  EXPECT_FALSE(built.ok()) << "expected " << root << "/" << dir << " to fail";
  return built.ok() ? "" : built.error().message();
}

const Value* Find(const KustomizeOutput& out, std::string_view kind) {
  for (const auto& m : out.manifests) {
    if (m.object.StringAt({"kind"}) == kind) return &m.object;
  }
  return nullptr;
}

std::string StringAtPath(const Value& object, const std::vector<std::string>& path) {
  const Value* node = &object;
  for (const auto& step : path) {
    if (node == nullptr) return "<missing>";
    if (node->is_array()) {
      size_t index = std::stoul(step);
      node = index < node->as_array().size() ? &node->as_array()[index] : nullptr;
    } else {
      node = node->Find(step);
    }
  }
  if (node == nullptr) return "<missing>";
  return node->is_string() ? node->as_string() : "<not a string>";
}

TEST(KustomizeBuild, RewritesReferencesToRenamedObjects) {
  KustomizeOutput out = BuildFixture("refs");
  struct Case {
    std::string name;
    std::string kind;
    std::vector<std::string> path;
    std::string want;
  };
  // The ConfigMap is generated: prefix, then the content hash kustomize computes.
  const std::string settings = "dev-settings-47668c6k28";
  std::vector<Case> cases = {
      {"object names get the prefix", "Service", {"metadata", "name"}, "dev-web"},
      {"objects get the namespace", "Service", {"metadata", "namespace"}, "dev"},
      {"generated config map is hashed", "ConfigMap", {"metadata", "name"}, settings},
      {"envFrom follows the generated name",
       "Deployment",
       {"spec", "template", "spec", "containers", "0", "envFrom", "0", "configMapRef", "name"},
       settings},
      {"a reference to an object outside the build is left alone",
       "Deployment",
       {"spec", "template", "spec", "containers", "0", "env", "0", "valueFrom", "configMapKeyRef",
        "name"},
       "not-in-this-build"},
      {"serviceAccountName follows",
       "Deployment",
       {"spec", "template", "spec", "serviceAccountName"},
       "dev-web"},
      {"claimName follows",
       "Deployment",
       {"spec", "template", "spec", "volumes", "0", "persistentVolumeClaim", "claimName"},
       "dev-data"},
      {"ingress backend follows",
       "Ingress",
       {"spec", "rules", "0", "http", "paths", "0", "backend", "service", "name"},
       "dev-web"},
      {"roleRef follows", "RoleBinding", {"roleRef", "name"}, "dev-reader"},
      {"subject name follows", "RoleBinding", {"subjects", "0", "name"}, "dev-web"},
      {"subject namespace is the account's", "RoleBinding", {"subjects", "0", "namespace"}, "dev"},
      {"HPA target follows",
       "HorizontalPodAutoscaler",
       {"spec", "scaleTargetRef", "name"},
       "dev-web"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Value* object = Find(out, c.kind);
    ASSERT_NE(object, nullptr) << "no " << c.kind;
    EXPECT_EQ(StringAtPath(*object, c.path), c.want);
  }
  EXPECT_EQ(out.namespace_, "dev");
}

TEST(KustomizeBuild, PropagatesCommonLabelsToSelectorsAndTemplates) {
  KustomizeOutput out = BuildFixture("labels");
  struct Case {
    std::string name;
    std::string kind;
    std::vector<std::string> path;
    std::string want;
  };
  std::vector<Case> cases = {
      {"metadata labels", "Service", {"metadata", "labels", "team"}, "shop"},
      {"service selector is created", "Service", {"spec", "selector", "team"}, "shop"},
      {"statefulset selector", "StatefulSet", {"spec", "selector", "matchLabels", "team"}, "shop"},
      {"pod template", "StatefulSet", {"spec", "template", "metadata", "labels", "team"}, "shop"},
      {"volume claim templates",
       "StatefulSet",
       {"spec", "volumeClaimTemplates", "0", "metadata", "labels", "team"},
       "shop"},
      {"job template labels", "Job", {"spec", "template", "metadata", "labels", "team"}, "shop"},
      {"job selector is not created (immutable in Kubernetes)",
       "Job",
       {"spec", "selector"},
       "<missing>"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Value* object = Find(out, c.kind);
    ASSERT_NE(object, nullptr) << "no " << c.kind;
    EXPECT_EQ(StringAtPath(*object, c.path), c.want);
  }
}

TEST(KustomizeBuild, ReportsErrorsNamingFileAndField) {
  struct Case {
    std::string name;
    std::string root;
    std::string dir;
    std::vector<std::string> want;  // substrings of the message
  };
  std::vector<Case> cases = {
      {"unknown field",
       kFixtures + "unknown-field",
       ".",
       {"kustomization.yaml", "unknown field \"commonLabel\""}},
      {"missing resource file",
       kFixtures + "missing-file",
       ".",
       {"kustomization.yaml", "resources entry \"deployment.yaml\"", "no such file"}},
      {"invalid YAML names file, line and column",
       kFixtures + "invalid-yaml",
       ".",
       {"broken.yaml:7:1"}},
      {"escape from the repository through ../",
       kFixtures + "escape/repo",
       "overlay",
       {"overlay/kustomization.yaml", "resources entry", "../../outside",
        "leaves the repository root"}},
      {"remote resources are not fetched",
       kFixtures + "remote",
       ".",
       {"remote resource", "https://github.com/kubernetes-sigs/kustomize", "not supported"}},
      {"unsupported fields are named",
       kFixtures + "unsupported",
       ".",
       {"helmCharts", "kustomization.yaml", "not supported"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string message = BuildError(c.root, c.dir);
    for (const auto& part : c.want) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(KustomizeBuild, RefusesSymbolicLinksLeavingTheRoot) {
  stdfs::path base = stdfs::temp_directory_path() / ("capstan-kz-" + std::to_string(::getpid()));
  stdfs::remove_all(base);
  stdfs::create_directories(base / "repo");
  stdfs::create_directories(base / "outside");
  std::ofstream(base / "outside" / "cm.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n";
  std::ofstream(base / "repo" / "kustomization.yaml") << "resources:\n- link.yaml\n";
  stdfs::create_symlink(base / "outside" / "cm.yaml", base / "repo" / "link.yaml");
  std::string message = BuildError((base / "repo").string(), ".");
  EXPECT_NE(message.find("kustomization.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("link.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("symbolic link"), std::string::npos) << message;
  stdfs::remove_all(base);
}

TEST(KustomizeBuild, FallsBackToTheConfiguredBinaryForUnsupportedFields) {
  // A stand-in "kustomize" that prints one object shows the fallback ran it with
  // `build <dir>`; the real binary is exercised by the oracle test.
  stdfs::path base = stdfs::temp_directory_path() / ("capstan-kzfb-" + std::to_string(::getpid()));
  stdfs::create_directories(base);
  stdfs::path fake = base / "fake-kustomize";
  std::ofstream(fake)
      << "#!/bin/sh\n[ \"$1\" = build ] || exit 3\n"
         "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: from-fallback\\n'\n";
  stdfs::permissions(fake, stdfs::perms::owner_all);
  auto fs = RootedFs::Open(kFixtures + "unsupported");
  ASSERT_TRUE(fs.ok());
  KustomizeOptions options;
  options.fallback_binary = fake.string();
  auto built = BuildKustomization(*fs, ".", options);
  ASSERT_TRUE(built.ok()) << built.error().message();
  ASSERT_EQ(built->manifests.size(), 1u);
  EXPECT_EQ(built->manifests[0].object.StringAt({"metadata", "name"}), "from-fallback");
  stdfs::remove_all(base);
}

}  // namespace
}  // namespace capstan::render
