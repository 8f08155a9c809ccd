#include "sync/plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::sync {
namespace {

std::vector<Manifest> Load(const std::string& file) {
  if (file.empty()) return {};
  std::string path = "testdata/" + file;
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto documents = ParseYamlStream(*text, path);
  EXPECT_TRUE(documents.ok()) << (documents.ok() ? "" : documents.error().message());
  if (!documents.ok()) return {};
  std::vector<Manifest> out;
  for (auto& document : *documents) {
    if (!document.value.is_null()) out.push_back({std::move(document.value), path});
  }
  return out;
}

std::string Line(const Task& task) {
  std::string line = std::string(PhaseName(task.phase)) + "/" + std::to_string(task.wave) + " " +
                     std::string(ActionName(task.action)) + " " + task.key.ToString();
  if (task.is_hook) {
    line += " [";
    for (size_t i = 0; i < task.delete_policies.size(); ++i) {
      line += (i ? "," : "") + std::string(HookDeletePolicyName(task.delete_policies[i]));
    }
    line += "]";
  }
  if (!task.message.empty()) line += " (" + task.message + ")";
  return line;
}

// Every task of `plan` as one line, waves in order, SyncFail waves last.
std::vector<std::string> Lines(const Plan& plan) {
  std::vector<std::string> out;
  for (const std::vector<Wave>* list : {&plan.waves, &plan.sync_fail}) {
    for (const Wave& wave : *list) {
      for (const Task& task : wave.tasks) {
        EXPECT_EQ(task.phase, wave.phase) << Line(task);
        EXPECT_EQ(task.wave, wave.wave) << Line(task);
        out.push_back(Line(task));
      }
    }
  }
  return out;
}

struct Case {
  std::string name;
  std::string desired;  // testdata file
  std::string live;     // testdata file, may be empty
  bool prune = false;
  bool prune_last = false;
  bool out_of_sync_only = false;
  bool skip_hooks = false;
  std::vector<std::string> expected;  // Lines(plan), or the error message when it starts "!"
};

PlanInput Input(const Case& c) {
  PlanInput input;
  input.desired = Load(c.desired);
  for (Manifest& manifest : Load(c.live)) input.live.push_back(std::move(manifest.object));
  for (const Manifest& manifest : input.desired) input.in_sync.insert(KeyOf(manifest.object));
  return input;
}

TEST(BuildPlan, OrderAsArgoCD) {
  const std::vector<Case> cases = {
      {"one wave in Helm's kind order, custom resources last",
       "app.yaml",
       "",
       false,
       false,
       false,
       false,
       {"Sync/0 Apply Namespace shop", "Sync/0 Apply ConfigMap shop/flags",
        "Sync/0 Apply ConfigMap shop/settings",
        "Sync/0 Apply rbac.authorization.k8s.io/ClusterRole reader",
        "Sync/0 Apply Service shop/web", "Sync/0 Apply apps/Deployment shop/web",
        "Sync/0 Apply networking.k8s.io/Ingress shop/web",
        "Sync/0 Apply example.com/Widget shop/gadget"}},
      {"sync-wave and helm hook-weight make waves",
       "waves.yaml",
       "",
       false,
       false,
       false,
       false,
       {"Sync/-1 Apply ConfigMap shop/early", "Sync/0 Apply Service shop/web",
        "Sync/5 Apply ConfigMap shop/chart-weighted", "Sync/5 Apply apps/Deployment shop/web"}},
      {"hooks by phase; Skip, PostDelete-only and crd-install are not hooks that run",
       "hooks.yaml",
       "",
       false,
       false,
       false,
       false,
       {"PreSync/0 CreateHook batch/Job shop/migrate [BeforeHookCreation]",
        "PreSync/2 CreateHook Pod shop/both [BeforeHookCreation]",
        "Sync/0 Apply ConfigMap shop/settings",
        "Sync/0 Apply apiextensions.k8s.io/CustomResourceDefinition things.example.com",
        "Sync/0 CreateHook batch/Job shop/argo-wins [BeforeHookCreation]",
        "PostSync/0 CreateHook batch/Job shop/smoke [HookSucceeded]",
        "PostSync/2 CreateHook Pod shop/both [BeforeHookCreation]",
        "SyncFail/0 CreateHook batch/Job shop/notify-0123456-syncfail-1700000000 "
        "[HookSucceeded,HookFailed]"}},
      {"skip hooks leaves only the objects",
       "hooks.yaml",
       "",
       false,
       false,
       false,
       true,
       {"Sync/0 Apply ConfigMap shop/settings",
        "Sync/0 Apply apiextensions.k8s.io/CustomResourceDefinition things.example.com"}},
      {"prune only exactly tracked objects, in reverse waves, PruneLast and Prune=false",
       "prune-desired.yaml",
       "prune-live.yaml",
       true,
       false,
       false,
       false,
       {"Sync/0 Prune apps/Deployment shop/legacy", "Sync/0 Apply ConfigMap shop/settings",
        "Sync/1 Apply apps/Deployment shop/web", "Sync/2 Prune ConfigMap shop/old",
        "Sync/2 PruneSkip Secret shop/keep (ignored (no prune))",
        "Sync/3 Prune ServiceAccount shop/runner"}},
      {"without prune the same objects are listed and kept",
       "prune-desired.yaml",
       "prune-live.yaml",
       false,
       false,
       false,
       false,
       {"Sync/0 PruneSkip apps/Deployment shop/legacy (ignored (requires pruning))",
        "Sync/0 Apply ConfigMap shop/settings", "Sync/1 Apply apps/Deployment shop/web",
        "Sync/2 PruneSkip ConfigMap shop/old (ignored (requires pruning))",
        "Sync/2 PruneSkip Secret shop/keep (ignored (requires pruning))",
        "Sync/3 PruneSkip ServiceAccount shop/runner (ignored (requires pruning))"}},
      {"prune waves mirror creation waves",
       "prune-desired.yaml",
       "prune-waves-live.yaml",
       true,
       false,
       false,
       false,
       {"Sync/-1 Prune ConfigMap shop/last", "Sync/0 Prune ConfigMap shop/middle",
        "Sync/0 Apply ConfigMap shop/settings", "Sync/1 Apply apps/Deployment shop/web",
        "Sync/4 Prune ConfigMap shop/first"}},
      {"PruneLast option prunes after the last wave",
       "prune-desired.yaml",
       "prune-waves-live.yaml",
       true,
       true,
       false,
       false,
       {"Sync/0 Apply ConfigMap shop/settings", "Sync/1 Apply apps/Deployment shop/web",
        "Sync/5 Prune ConfigMap shop/middle", "Sync/5 Prune ConfigMap shop/last",
        "Sync/5 Prune ConfigMap shop/first"}},
      {"Namespace and CRD move before the objects that need them",
       "dependencies.yaml",
       "",
       false,
       false,
       false,
       false,
       {"Sync/-3 Apply Namespace shop",
        "Sync/-3 Apply apiextensions.k8s.io/CustomResourceDefinition widgets.example.com",
        "Sync/-3 Apply example.com/Widget shop/gadget", "Sync/0 Apply ConfigMap shop/settings"}},
      {"apply out of sync only leaves out live objects in sync",
       "prune-desired.yaml",
       "prune-live.yaml",
       true,
       false,
       true,
       false,
       {"Sync/0 Prune apps/Deployment shop/legacy", "Sync/1 Apply apps/Deployment shop/web",
        "Sync/2 Prune ConfigMap shop/old", "Sync/2 PruneSkip Secret shop/keep (ignored (no prune))",
        "Sync/3 Prune ServiceAccount shop/runner"}},
      {"a wave that is not an integer names object, file and annotation",
       "bad-wave.yaml",
       "",
       false,
       false,
       false,
       false,
       {"!ConfigMap shop/settings (testdata/bad-wave.yaml): annotation "
        "argocd.argoproj.io/sync-wave: \"first\" is not an integer"}},
      {"a helm hook weight that is not an integer",
       "bad-weight.yaml",
       "",
       false,
       false,
       false,
       false,
       {"!batch/Job shop/migrate (testdata/bad-weight.yaml): annotation helm.sh/hook-weight: "
        "\"1.5\" is not an integer"}},
      {"Replace=true is refused",
       "replace.yaml",
       "",
       false,
       false,
       false,
       false,
       {"!ConfigMap shop/settings (testdata/replace.yaml): annotation "
        "argocd.argoproj.io/sync-options: Replace=true is not supported; capstan updates "
        "objects by server-side apply (remove the option, or delete the object once by hand)"}},
      {"the same object twice is a conflict",
       "duplicate.yaml",
       "",
       false,
       false,
       false,
       false,
       {"!ConfigMap shop/settings (testdata/duplicate.yaml): declared twice"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PlanOptions options;
    options.app = "shop";
    options.prune = c.prune;
    options.prune_last = c.prune_last;
    options.apply_out_of_sync_only = c.out_of_sync_only;
    options.skip_hooks = c.skip_hooks;
    options.revision = "0123456789abcdef";
    options.started_at_unix = 1700000000;
    Result<Plan> plan = BuildPlan(Input(c), options);
    if (!c.expected.empty() && c.expected.front().rfind('!', 0) == 0) {
      ASSERT_FALSE(plan.ok());
      EXPECT_EQ(plan.error().message(), c.expected.front().substr(1));
      continue;
    }
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(Lines(*plan), c.expected);
  }
}

TEST(BuildPlan, HooksCarryTheirLiveObjectAndFinalName) {
  PlanInput input;
  input.desired = Load("hooks.yaml");
  Value previous = input.desired.front().object;  // the PreSync Job "migrate"
  previous["status"]["succeeded"] = 1;
  input.live.push_back(previous);
  PlanOptions options;
  options.app = "shop";
  options.revision = "abc";
  options.started_at_unix = 42;
  Result<Plan> plan = BuildPlan(input, options);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  const Task& migrate = plan->waves.front().tasks.front();
  ASSERT_TRUE(migrate.live.has_value());
  EXPECT_EQ(*migrate.live, previous);
  EXPECT_TRUE(migrate.HasDeletePolicy(HookDeletePolicy::kBeforeHookCreation));
  const Task& notify = plan->sync_fail.front().tasks.front();
  EXPECT_EQ(notify.object.StringAt({"metadata", "name"}), "notify-abc-syncfail-42");
  EXPECT_EQ(plan->TaskCount(), 8u);
}

TEST(TrackingId, ArgoCDFormat) {
  EXPECT_EQ(TrackingId("shop", {"apps", "Deployment", "prod", "web"}),
            "shop:apps/Deployment:prod/web");
  EXPECT_EQ(TrackingId("shop", {"", "Namespace", "", "prod"}), "shop:/Namespace:/prod");
}

TEST(BuildPlan, RequiresAnApplicationName) {
  Result<Plan> plan = BuildPlan({}, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().message(), "sync plan: the Application name is empty");
}

}  // namespace
}  // namespace capstan::sync
