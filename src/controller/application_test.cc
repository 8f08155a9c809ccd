// Reading Argo CD's own example Applications, loading a folder of them, and turning them
// into render and diff requests and Argo CD's status shape.
#include "controller/application.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::controller {
namespace {

using namespace std::chrono_literals;

const std::string kExamples = "testdata/applications/examples/";

Application ReadExample(const std::string& name) {
  std::string file = kExamples + name;
  auto text = ReadFileBounded(file, 1 << 20);
  EXPECT_TRUE(text.ok()) << file;
  auto value = ParseYaml(*text, file);
  EXPECT_TRUE(value.ok()) << value.error().message();
  auto app = ParseApplication(*value, file);
  EXPECT_TRUE(app.ok()) << app.error().message();
  return app.ok() ? *app : Application{};
}

TEST(ApplicationTest, GuestbookWithDirectorySource) {
  Application app = ReadExample("guestbook.yaml");
  EXPECT_EQ(app.name, "guestbook");
  EXPECT_EQ(app.namespace_, "argocd");
  EXPECT_EQ(app.labels.at("team"), "web");
  EXPECT_EQ(app.project, "default");
  EXPECT_EQ(app.source.repo_url, "https://github.com/argoproj/argocd-example-apps.git");
  EXPECT_EQ(app.source.target_revision, "HEAD");
  EXPECT_EQ(app.source.path, "guestbook");
  ASSERT_TRUE(app.source.directory);
  EXPECT_TRUE(app.source.directory->recurse);
  EXPECT_EQ(app.source.directory->include, "{*.yaml,*.yml}");
  EXPECT_EQ(app.source.directory->exclude, "secret-*.yaml");
  EXPECT_EQ(app.destination.server, "https://kubernetes.default.svc");
  EXPECT_EQ(app.destination.namespace_, "guestbook");
  const SyncPolicy& policy = app.sync_policy;
  EXPECT_TRUE(policy.automated);
  EXPECT_TRUE(policy.prune);
  EXPECT_TRUE(policy.self_heal);
  EXPECT_FALSE(policy.allow_empty);
  EXPECT_TRUE(policy.options.create_namespace);
  EXPECT_TRUE(policy.options.prune_last);
  EXPECT_EQ(policy.options.prune_propagation_policy, "background");
  EXPECT_TRUE(policy.options.validate);
  ASSERT_TRUE(policy.retry);
  EXPECT_EQ(policy.retry->limit, 5);
  EXPECT_EQ(policy.retry->backoff_duration, 5s);
  EXPECT_EQ(policy.retry->backoff_factor, 2);
  EXPECT_EQ(policy.retry->backoff_max_duration, 3min);
  EXPECT_EQ(app.revision_history_limit, 3);
  EXPECT_TRUE(app.warnings.empty());
  EXPECT_TRUE(app.unsupported.empty());
  EXPECT_TRUE(CheckSupported(app).ok());
}

TEST(ApplicationTest, KustomizeGuestbookWithIgnoreDifferences) {
  Application app = ReadExample("kustomize-guestbook.yaml");
  EXPECT_EQ(app.source.target_revision, "master");
  ASSERT_TRUE(app.source.kustomize);
  EXPECT_EQ(app.source.kustomize->version, "v5.4.3");
  EXPECT_EQ(app.destination.name, "in-cluster");
  EXPECT_TRUE(app.destination.server.empty());
  EXPECT_FALSE(app.sync_policy.automated);
  EXPECT_FALSE(app.sync_policy.retry);
  EXPECT_EQ(app.revision_history_limit, 10);
  ASSERT_EQ(app.ignore_differences.size(), 2u);
  EXPECT_EQ(app.ignore_differences[0].group, "apps");
  EXPECT_EQ(app.ignore_differences[0].json_pointers, std::vector<std::string>{"/spec/replicas"});
  EXPECT_EQ(app.ignore_differences[1].name, "guestbook-*");
  EXPECT_EQ(app.ignore_differences[1].managed_fields_managers,
            std::vector<std::string>{"kube-controller-manager"});
  // kustomize.version picks Argo CD's kustomize binary; capstan builds natively.
  ASSERT_EQ(app.warnings.size(), 1u);
  EXPECT_EQ(app.warnings[0],
            "spec.source.kustomize.version: ignored: capstan builds kustomizations natively");

  diff::DiffOptions options = ToDiffOptions(app);
  EXPECT_EQ(options.ignore_differences.size(), 2u);
  EXPECT_EQ(options.default_namespace, "kustomize-guestbook");

  auto request = ToRenderRequest(app, "/checkout");
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->kind, render::SourceKind::kKustomize);
  EXPECT_EQ(request->path, "kustomize-guestbook");
}

TEST(ApplicationTest, HelmGuestbookWithValuesAndCapstanAnnotations) {
  Application app = ReadExample("helm-guestbook.yaml");
  EXPECT_EQ(app.project, "web");
  ASSERT_TRUE(app.source.helm);
  const HelmSource& helm = *app.source.helm;
  EXPECT_EQ(helm.release_name, "guestbook-prod");
  EXPECT_EQ(helm.value_files, (std::vector<std::string>{"values.yaml", "values-production.yaml"}));
  ASSERT_EQ(helm.parameters.size(), 2u);
  EXPECT_EQ(helm.parameters[1].name, "image.tag");
  EXPECT_EQ(helm.parameters[1].value, "1.10");
  EXPECT_TRUE(helm.parameters[1].force_string);
  EXPECT_FALSE(helm.parameters[0].force_string);
  EXPECT_TRUE(app.sync_policy.automated);  // `automated: {}`
  EXPECT_FALSE(app.sync_policy.prune);
  EXPECT_TRUE(app.sync_policy.options.server_side_apply);
  EXPECT_FALSE(app.sync_policy.options.validate);
  ASSERT_TRUE(app.sync_policy.retry);
  EXPECT_EQ(app.sync_policy.retry->limit, -1);
  EXPECT_EQ(app.sync_policy.retry->backoff_duration, 5s);  // Argo CD's defaults
  EXPECT_TRUE(app.capstan.policy_enforce);
  EXPECT_EQ(app.capstan.policy_rules, "policy/strict.yaml");
  EXPECT_TRUE(app.capstan.auto_rollback);
  EXPECT_EQ(app.capstan.auto_rollback_window, 10min);

  auto request = ToRenderRequest(app, "/checkout");
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->root, "/checkout");
  EXPECT_EQ(request->path, "helm-guestbook");
  EXPECT_EQ(request->kind, render::SourceKind::kHelm);
  EXPECT_EQ(request->helm.release_name, "guestbook-prod");
  EXPECT_EQ(request->helm.namespace_, "helm-guestbook");
  EXPECT_EQ(request->helm.value_files, helm.value_files);
  // valuesObject is passed as YAML.
  auto values = ParseYaml(request->helm.values, "values");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->At({"replicaCount"})->as_int(), 3);
  EXPECT_TRUE(values->At({"ingress", "enabled"})->as_bool());
  ASSERT_EQ(request->helm.parameters.size(), 2u);
  EXPECT_TRUE(request->helm.parameters[1].force_string);
}

TEST(ApplicationTest, HelmReleaseNameDefaultsToTheApplicationName) {
  auto value = ParseYaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  source:
    repoURL: https://git.example.com/shop.git
    path: chart
    helm:
      values: |
        replicas: 2
  destination: {server: https://kubernetes.default.svc, namespace: shop}
)",
                         "shop.yaml");
  ASSERT_TRUE(value.ok());
  auto app = ParseApplication(*value, "shop.yaml");
  ASSERT_TRUE(app.ok()) << app.error().message();
  auto request = ToRenderRequest(*app, "/checkout");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->helm.release_name, "shop");
  EXPECT_EQ(request->helm.values, "replicas: 2\n");
}

TEST(ApplicationTest, SyncWavesWithBareSecondsBackoff) {
  Application app = ReadExample("sync-waves.yaml");
  EXPECT_EQ(app.project, "default");
  EXPECT_EQ(app.source.target_revision, "HEAD");
  EXPECT_TRUE(app.namespace_.empty());
  EXPECT_TRUE(app.sync_policy.options.apply_out_of_sync_only);
  EXPECT_TRUE(app.sync_policy.options.fail_on_shared_resource);
  ASSERT_TRUE(app.sync_policy.retry);
  EXPECT_EQ(app.sync_policy.retry->limit, 0);  // retry without limit: none, as Argo CD
  EXPECT_EQ(app.sync_policy.retry->backoff_duration, 10s);
}

TEST(ApplicationTest, AppOfAppsWithOneSourceInSources) {
  Application app = ReadExample("app-of-apps.yaml");
  EXPECT_EQ(app.source.path, "apps");
  EXPECT_FALSE(app.sync_policy.automated);  // enabled: false
  EXPECT_TRUE(app.sync_policy.prune);
  // sourceHydrator is an Argo CD field capstan does not implement.
  ASSERT_EQ(app.unsupported.size(), 1u);
  EXPECT_EQ(app.unsupported[0].field, "spec.sourceHydrator");
  EXPECT_EQ(CheckSupported(app).error().message(),
            kExamples +
                "app-of-apps.yaml: Application apps: spec.sourceHydrator: source hydration is "
                "not supported");
}

TEST(ApplicationTest, LoadApplicationsReadsEveryFileAndSkipsOtherKinds) {
  auto apps = LoadApplications("testdata/applications/repo/apps");
  ASSERT_TRUE(apps.ok()) << apps.error().message();
  ASSERT_EQ(apps->size(), 3u);
  // Byte-wise order of relative paths: root.yaml, team-a/api.json, team-a/web.yml.
  EXPECT_EQ((*apps)[0].name, "root");
  EXPECT_EQ((*apps)[0].source_file, "testdata/applications/repo/apps/root.yaml");
  EXPECT_EQ((*apps)[1].name, "api");
  EXPECT_EQ((*apps)[1].destination.name, "in-cluster");
  EXPECT_EQ((*apps)[2].name, "web");
  EXPECT_EQ((*apps)[2].source_file, "testdata/applications/repo/apps/team-a/web.yml");
}

TEST(ApplicationTest, LoadApplicationsRefusesOneNameTwice) {
  auto apps = LoadApplications("testdata/applications/loading-dup");
  ASSERT_FALSE(apps.ok());
  EXPECT_EQ(apps.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(apps.error().message(),
            "Application same is defined twice: in testdata/applications/loading-dup/a/app.yaml "
            "and in testdata/applications/loading-dup/b/app.yaml");
}

TEST(ApplicationTest, LoadApplicationsFollowsNoLinkOutOfTheFolder) {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() / ("capstan-app-links-" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "apps");
  fs::create_directories(base / "outside");
  fs::copy_file("testdata/applications/loading-dup/a/app.yaml", base / "outside/app.yaml");
  fs::copy_file("testdata/applications/repo/apps/root.yaml", base / "apps/root.yaml");
  fs::create_symlink("../outside/app.yaml", base / "apps/outside.yaml");
  auto apps = LoadApplications(base / "apps");
  ASSERT_TRUE(apps.ok()) << apps.error().message();
  ASSERT_EQ(apps->size(), 1u);  // outside.yaml leads out of the folder: not read
  EXPECT_EQ((*apps)[0].name, "root");

  fs::create_symlink("root.yaml", base / "apps/again.yaml");
  apps = LoadApplications(base / "apps");
  fs::remove_all(base);
  ASSERT_FALSE(apps.ok());  // a link inside the folder is read
  EXPECT_NE(apps.error().message().find("Application root is defined twice"), std::string::npos)
      << apps.error().message();
}

TEST(ApplicationTest, LoadApplicationsOfAMissingFolderIsNotFound) {
  auto apps = LoadApplications("testdata/applications/no-such-folder");
  ASSERT_FALSE(apps.ok());
  EXPECT_EQ(apps.error().code(), ErrorCode::kNotFound);
}

// The render request reads the same objects Argo CD would: only the folder itself unless
// directory.recurse, which reaches sub-folders.
TEST(ApplicationTest, RenderRequestRendersTheFolderAsArgoCdWould) {
  auto apps = LoadApplications("testdata/applications/repo/apps");
  ASSERT_TRUE(apps.ok());
  Application web = (*apps)[2];
  auto request = ToRenderRequest(web, "testdata/applications/repo");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->kind, render::SourceKind::kAuto);
  auto rendered = render::Render(*request);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  std::vector<std::string> names;
  for (const auto& m : rendered->manifests) names.emplace_back(KindOf(m.object));
  EXPECT_EQ(names, (std::vector<std::string>{"Deployment", "Service"}));

  web.source.directory = DirectorySource{};
  web.source.directory->recurse = true;
  request = ToRenderRequest(web, "testdata/applications/repo");
  ASSERT_TRUE(request.ok());
  rendered = render::Render(*request);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  names.clear();
  for (const auto& m : rendered->manifests) names.emplace_back(NameOf(m.object));
  EXPECT_EQ(names, (std::vector<std::string>{"guestbook-ui", "guestbook-ui", "only-with-recurse"}));

  web.source.directory->exclude = "sub/*";
  request = ToRenderRequest(web, "testdata/applications/repo");
  ASSERT_TRUE(request.ok());
  rendered = render::Render(*request);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  EXPECT_EQ(rendered->manifests.size(), 2u);
}

// Argo CD's kustomize settings reach the renderer and change what it builds.
TEST(ApplicationTest, KustomizeOverridesAreRendered) {
  auto value = ParseYaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: kg}
spec:
  source:
    repoURL: https://git.example.com/web.git
    path: kustomize-guestbook
    kustomize:
      namePrefix: prod-
      nameSuffix: -v2
      namespace: shop
      images: [gcr.io/heptio-images/ks-guestbook-demo=registry.example.com/guestbook:0.3]
      commonLabels: {team: web}
      commonAnnotations: {owner: platform}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
)",
                         "kg.yaml");
  ASSERT_TRUE(value.ok());
  auto app = ParseApplication(*value, "kg.yaml");
  ASSERT_TRUE(app.ok()) << app.error().message();
  EXPECT_TRUE(CheckSupported(*app).ok());
  auto request = ToRenderRequest(*app, "testdata/applications/repo");
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->kustomize.overrides.name_prefix, "prod-");
  auto rendered = render::Render(*request);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  ASSERT_EQ(rendered->manifests.size(), 1u);
  const Value& deployment = rendered->manifests[0].object;
  // The Application's namePrefix replaces the kustomization's "base-".
  EXPECT_EQ(NameOf(deployment), "prod-guestbook-ui-v2");
  EXPECT_EQ(NamespaceOf(deployment), "shop");
  EXPECT_EQ(deployment.StringAt({"metadata", "labels", "team"}), "web");
  EXPECT_EQ(deployment.StringAt({"metadata", "annotations", "owner"}), "platform");
  const Value* containers = deployment.At({"spec", "template", "spec", "containers"});
  ASSERT_TRUE(containers != nullptr && containers->is_array());
  EXPECT_EQ(containers->as_array()[0].StringAt({"image"}), "registry.example.com/guestbook:0.3");
}

TEST(ApplicationTest, RetryDelayDoublesUpToTheCap) {
  RetryPolicy retry;  // 5s, factor 2, 3m
  std::vector<std::chrono::nanoseconds> delays;
  for (int attempt = 0; attempt < 8; ++attempt) delays.push_back(RetryDelay(retry, attempt));
  EXPECT_EQ(delays,
            (std::vector<std::chrono::nanoseconds>{5s, 10s, 20s, 40s, 80s, 160s, 180s, 180s}));
}

TEST(ApplicationTest, GoDurations) {
  struct Case {
    std::string text;
    std::chrono::nanoseconds want;
  };
  for (const Case& c : std::vector<Case>{{"5s", 5s},
                                         {"3m", 3min},
                                         {"1h30m", 90min},
                                         {"1.5h", 90min},
                                         {"300ms", 300ms},
                                         {"2us", 2us},
                                         {"-1m", -1min},
                                         {"0", 0s},
                                         {"1h2m3s4ms", 1h + 2min + 3s + 4ms}}) {
    SCOPED_TRACE(c.text);
    auto parsed = ParseGoDuration(c.text);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(*parsed, c.want);
  }
  for (std::string bad : {"", "5", "s", "5x", "1.s5", "--1s", "1h 2m"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseGoDuration(bad).ok());
  }
  EXPECT_EQ(ParseGoDuration("5").error().message(),
            "\"5\": missing unit (expected a duration like 30s, 5m or 1h30m)");
  EXPECT_EQ(FormatGoDuration(5s), "5s");
  EXPECT_EQ(FormatGoDuration(3min), "3m0s");
  EXPECT_EQ(FormatGoDuration(90min), "1h30m0s");
  EXPECT_EQ(FormatGoDuration(1500ms), "1.5s");
  EXPECT_EQ(FormatGoDuration(300ms), "300ms");
  EXPECT_EQ(FormatGoDuration(0s), "0s");
  EXPECT_EQ(FormatGoDuration(-1min), "-1m0s");
}

TEST(ApplicationTest, StatusHasArgoCdsShape) {
  Application app = ReadExample("guestbook.yaml");
  ApplicationStatus status;
  status.sync_status = "Synced";
  status.sync_revision = "4c1a2b3";
  status.health = {"Progressing", "Waiting for rollout: 1 of 3 updated replicas available"};
  Time start = Time(std::chrono::seconds(1'767'323'045));  // 2026-01-02T03:04:05Z
  OperationState op;
  op.phase = "Succeeded";
  op.message = "successfully synced (all tasks run)";
  op.started_at = start;
  op.finished_at = start + 7s;
  op.revision = "4c1a2b3";
  ResourceResult result;
  result.group = "apps";
  result.version = "v1";
  result.kind = "Deployment";
  result.namespace_ = "guestbook";
  result.name = "guestbook-ui";
  result.status = "Synced";
  result.message = "deployment.apps/guestbook-ui configured";
  result.sync_phase = "Sync";
  op.resources.push_back(result);
  status.operation = op;
  ResourceStatus service;
  service.version = "v1";
  service.kind = "Service";
  service.namespace_ = "guestbook";
  service.name = "guestbook-ui";
  service.status = "Synced";
  service.health = HealthState{"Healthy", ""};
  status.resources.push_back(service);
  ResourceStatus old;
  old.group = "apps";
  old.version = "v1";
  old.kind = "Deployment";
  old.namespace_ = "guestbook";
  old.name = "old";
  old.status = "OutOfSync";
  old.requires_pruning = true;
  status.resources.push_back(old);
  HistoryEntry entry;
  entry.id = 0;
  entry.revision = "4c1a2b3";
  entry.deployed_at = start + 7s;
  entry.deploy_started_at = start;
  status.history.push_back(entry);
  status.reconciled_at = start + 8s;
  status.images = {"gcr.io/heptio-images/ks-guestbook-demo:0.2"};

  Value built = BuildStatusValue(app, status);
  auto want = ParseYaml(R"(
sync:
  status: Synced
  revision: 4c1a2b3
  comparedTo:
    source:
      repoURL: https://github.com/argoproj/argocd-example-apps.git
      targetRevision: HEAD
      path: guestbook
      directory: {recurse: true, include: '{*.yaml,*.yml}', exclude: 'secret-*.yaml'}
    destination: {server: https://kubernetes.default.svc, namespace: guestbook}
health:
  status: Progressing
  message: "Waiting for rollout: 1 of 3 updated replicas available"
operationState:
  phase: Succeeded
  message: successfully synced (all tasks run)
  startedAt: "2026-01-02T03:04:05Z"
  finishedAt: "2026-01-02T03:04:12Z"
  syncResult:
    revision: 4c1a2b3
    resources:
      - {group: apps, version: v1, kind: Deployment, namespace: guestbook, name: guestbook-ui,
         status: Synced, message: deployment.apps/guestbook-ui configured, syncPhase: Sync,
         syncWave: 0}
resources:
  - {version: v1, kind: Service, namespace: guestbook, name: guestbook-ui, status: Synced,
     health: {status: Healthy}}
  - {group: apps, version: v1, kind: Deployment, namespace: guestbook, name: old,
     status: OutOfSync, requiresPruning: true}
history:
  - id: 0
    revision: 4c1a2b3
    deployedAt: "2026-01-02T03:04:12Z"
    deployStartedAt: "2026-01-02T03:04:05Z"
    source:
      repoURL: https://github.com/argoproj/argocd-example-apps.git
      targetRevision: HEAD
      path: guestbook
      directory: {recurse: true, include: '{*.yaml,*.yml}', exclude: 'secret-*.yaml'}
reconciledAt: "2026-01-02T03:04:13Z"
summary:
  images: [gcr.io/heptio-images/ks-guestbook-demo:0.2]
)",
                        "want");
  ASSERT_TRUE(want.ok()) << want.error().message();
  EXPECT_EQ(built, *want) << EmitYaml(built);
}

TEST(ApplicationTest, FreshStatusIsUnknownAndLeavesEmptyPartsOut) {
  Application app = ReadExample("sync-waves.yaml");
  Value built = BuildStatusValue(app, ApplicationStatus{});
  EXPECT_EQ(built.StringAt({"sync", "status"}), "Unknown");
  EXPECT_EQ(built.StringAt({"health", "status"}), "Unknown");
  EXPECT_EQ(built.Find("operationState"), nullptr);
  EXPECT_EQ(built.Find("resources"), nullptr);
  EXPECT_EQ(built.Find("history"), nullptr);
  EXPECT_EQ(built.Find("reconciledAt"), nullptr);
  EXPECT_EQ(built.Find("summary"), nullptr);
  EXPECT_EQ(built.At({"sync", "comparedTo", "ignoreDifferences"}), nullptr);

  // As Argo CD, comparedTo also says which differences were ignored.
  Application kustomize = ReadExample("kustomize-guestbook.yaml");
  built = BuildStatusValue(kustomize, ApplicationStatus{});
  const Value* ignored = built.At({"sync", "comparedTo", "ignoreDifferences"});
  ASSERT_NE(ignored, nullptr);
  EXPECT_EQ(*ignored, *kustomize.raw.At({"spec", "ignoreDifferences"}));
}

}  // namespace
}  // namespace capstan::controller
