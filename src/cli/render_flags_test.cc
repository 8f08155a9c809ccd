#include "cli/render_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace capstan::cli {
namespace {

namespace fs = std::filesystem;

// A throw-away folder tree under the system's temporary folder:
//   repo/.git/  repo/apps/web/{cm.yaml,values-prod.yaml,odd[1].yaml,link.yaml -> shared}
//   repo/shared/common.yaml   loose/cm.yaml (no Git)   worktree/.git (a file)  worktree/app/
class Tree {
 public:
  Tree() {
    path_ = fs::temp_directory_path() / ("capstan-render-flags-" + std::to_string(getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_ / "repo/.git");
    Write("repo/apps/web/cm.yaml");
    Write("repo/apps/web/values-prod.yaml");
    Write("repo/apps/web/odd[1].yaml");
    Write("repo/shared/common.yaml");
    fs::create_symlink("../../shared/common.yaml", path_ / "repo/apps/web/link.yaml");
    Write("loose/cm.yaml");
    Write("worktree/.git");
    fs::create_directories(path_ / "worktree/app");
    path_ = fs::canonical(path_);
  }
  ~Tree() { fs::remove_all(path_); }

  // The absolute name of `relative` in the tree ("" for the tree itself).
  std::string operator/(const std::string& relative) const { return (path_ / relative).string(); }
  const fs::path& path() const { return path_; }

 private:
  void Write(const std::string& relative) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
  }
  fs::path path_;
};

// `absolute` as the shell would name it from the current folder (the test's src/cli).
std::string FromHere(const std::string& absolute) {
  return fs::path(absolute).lexically_relative(fs::current_path()).string();
}

// The request for PATH, --root and values files; a test failure naming the error when there
// is none.
std::optional<render::RenderRequest> Build(std::string path, std::string root,
                                           std::vector<std::string> value_files = {}) {
  RenderFlags flags;
  flags.path = std::move(path);
  flags.root = std::move(root);
  flags.value_files = std::move(value_files);
  auto request = BuildRenderRequest(flags);
  EXPECT_TRUE(request.ok()) << request.error().message();
  if (!request.ok()) return std::nullopt;
  return std::move(request).value();
}

TEST(BuildRenderRequestTest, FindsTheRootAndThePathUnderIt) {
  Tree tree;
  ASSERT_TRUE(EnclosingGitRoot(tree.path()).empty())
      << "the temporary folder is inside a Git repository: these cases need one that is not";
  struct Case {
    std::string name;
    std::string path;
    std::string root;       // --root; "" for the default
    std::string want_root;  // relative to the tree
    std::string want_path;
    std::vector<std::string> want_include;  // empty for a folder
  };
  const std::vector<Case> cases = {
      {"a folder in a Git repository renders from the repository root",
       tree / "repo/apps/web",
       "",
       "repo",
       "apps/web",
       {}},
      {"a folder named from the current folder",
       FromHere(tree / "repo/apps/web"),
       "",
       "repo",
       "apps/web",
       {}},
      {"a trailing slash and dot segments are tidied",
       tree / "repo/apps/../apps/web/./",
       "",
       "repo",
       "apps/web",
       {}},
      {"the repository root itself", tree / "repo", "", "repo", ".", {}},
      {"a folder outside Git is its own root", tree / "loose", "", "loose", ".", {}},
      {"a worktree's .git file marks the root", tree / "worktree/app", "", "worktree", "app", {}},
      {"--root wins over the repository",
       tree / "repo/apps/web",
       tree / "repo/apps",
       "repo/apps",
       "web",
       {}},
      {"--root named from the current folder",
       tree / "repo/apps/web",
       FromHere(tree / "repo/apps"),
       "repo/apps",
       "web",
       {}},
      {"a single file renders alone from its folder",
       tree / "repo/apps/web/cm.yaml",
       "",
       "repo",
       "apps/web",
       {"cm.yaml"}},
      {"a single file outside Git",
       FromHere(tree / "loose/cm.yaml"),
       "",
       "loose",
       ".",
       {"cm.yaml"}},
      {"a file name with glob characters matches only itself",
       tree / "repo/apps/web/odd[1].yaml",
       "",
       "repo",
       "apps/web",
       {"odd\\[1\\].yaml"}},
      {"a linked file is read through its link",
       tree / "repo/apps/web/link.yaml",
       "",
       "repo",
       "apps/web",
       {"link.yaml"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = Build(c.path, c.root);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->root, tree.path() / c.want_root);
    EXPECT_EQ(request->path, c.want_path);
    EXPECT_EQ(request->directory.include, c.want_include);
    if (c.want_include.empty()) {
      EXPECT_EQ(request->kind, render::SourceKind::kAuto);
      EXPECT_TRUE(request->directory.recurse);
    } else {
      EXPECT_EQ(request->kind, render::SourceKind::kDirectory);
      EXPECT_FALSE(request->directory.recurse);
    }
  }
}

TEST(BuildRenderRequestTest, ValuesFilesBecomeRelativeToTheChartFolder) {
  Tree tree;
  struct Case {
    std::string name;
    std::string path;
    std::vector<std::string> value_files;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"absolute names",
       tree / "repo/apps/web",
       {tree / "repo/apps/web/values-prod.yaml", tree / "repo/shared/common.yaml"},
       {"values-prod.yaml", "../../shared/common.yaml"}},
      {"names from the current folder",
       tree / "repo/apps/web",
       {FromHere(tree / "repo/apps/web/values-prod.yaml")},
       {"values-prod.yaml"}},
      {"a linked values file keeps its own name",
       tree / "repo/apps/web",
       {tree / "repo/apps/web/link.yaml"},
       {"link.yaml"}},
      {"with a file PATH, relative to its folder",
       tree / "repo/apps/web/cm.yaml",
       {tree / "repo/apps/web/values-prod.yaml"},
       {"values-prod.yaml"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = Build(c.path, "", c.value_files);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->helm.value_files, c.want);
  }
}

TEST(BuildRenderRequestTest, PassesTheGeneratorOptionsOn) {
  Tree tree;
  RenderFlags flags;
  flags.path = tree / "repo/apps/web";
  flags.kind = "helm";
  flags.recurse = false;
  flags.include = {"*.yaml"};
  flags.exclude = {"test-*"};
  flags.release_name = "web";
  flags.namespace_ = "shop";
  flags.helm = "/opt/helm4";
  flags.kustomize_fallback = "kustomize";
  flags.set_string = {"build=007"};  // given first, still applied after every --set
  flags.set = {"replicas=3", "url=a=b"};
  auto request = BuildRenderRequest(flags);
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->kind, render::SourceKind::kHelm);
  EXPECT_FALSE(request->directory.recurse);
  EXPECT_EQ(request->directory.include, std::vector<std::string>{"*.yaml"});
  EXPECT_EQ(request->directory.exclude, std::vector<std::string>{"test-*"});
  EXPECT_EQ(request->helm.release_name, "web");
  EXPECT_EQ(request->helm.namespace_, "shop");
  EXPECT_EQ(request->helm.helm_binary, "/opt/helm4");
  EXPECT_EQ(request->kustomize.fallback_binary, "kustomize");
  std::vector<std::string> parameters;
  for (const render::HelmParameter& p : request->helm.parameters) {
    parameters.push_back(p.name + "=" + p.value + (p.force_string ? " (string)" : ""));
  }
  EXPECT_EQ(parameters, (std::vector<std::string>{"replicas=3", "url=a=b", "build=007 (string)"}));
}

TEST(BuildRenderRequestTest, ErrorsNameTheFlagOrPath) {
  Tree tree;
  const std::string web = tree / "repo/apps/web";
  const std::string file = tree / "repo/apps/web/cm.yaml";
  struct Case {
    std::string name;
    RenderFlags flags;
    ErrorCode want_code;
    std::string want_message;
  };
  auto flags = [&](std::string path) {
    RenderFlags f;
    f.path = std::move(path);
    return f;
  };
  std::vector<Case> cases = {
      {"a missing PATH", flags(tree / "nowhere"), ErrorCode::kNotFound,
       tree / "nowhere" + ": no such file or folder"},
      {"no PATH at all", flags(""), ErrorCode::kNotFound, ": no such file or folder"},
  };
  {
    Case c{"a missing --root", flags(web), ErrorCode::kNotFound,
           "--root " + (tree / "gone") + ": no such folder"};
    c.flags.root = tree / "gone";
    cases.push_back(c);
  }
  {
    Case c{"PATH outside --root", flags(web), ErrorCode::kInvalid,
           web + ": outside the root " + (tree / "loose") +
               " (set --root to a folder that contains it)"};
    c.flags.root = tree / "loose";
    cases.push_back(c);
  }
  {
    Case c{"an unknown --kind", flags(web), ErrorCode::kInvalid,
           "--kind jsonnet: expected auto, directory, kustomize or helm"};
    c.flags.kind = "jsonnet";
    cases.push_back(c);
  }
  {
    Case c{"a file rendered as a chart", flags(file), ErrorCode::kInvalid,
           "--kind helm: " + file + " is a file; Kustomize and Helm render folders"};
    c.flags.kind = "helm";
    cases.push_back(c);
  }
  {
    Case c{"--include with a file", flags(file), ErrorCode::kInvalid,
           "--include *.yaml: " + file + " is a single file; --include selects files in a folder"};
    c.flags.include = {"*.yaml"};
    cases.push_back(c);
  }
  {
    Case c{"a --set without =", flags(web), ErrorCode::kInvalid,
           "--set replicas: expected NAME=VALUE"};
    c.flags.set = {"replicas"};
    cases.push_back(c);
  }
  {
    Case c{"a --set-string without a name", flags(web), ErrorCode::kInvalid,
           "--set-string =007: expected NAME=VALUE"};
    c.flags.set_string = {"=007"};
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = BuildRenderRequest(c.flags);
    ASSERT_FALSE(request.ok());
    EXPECT_EQ(request.error().code(), c.want_code);
    EXPECT_EQ(request.error().message(), c.want_message);
  }
}

// What a user types reaches RenderFlags; parse errors are CLI11's (exit status 2 in main).
TEST(AddRenderFlagsTest, CommandLinesFillTheFlags) {
  CLI::App app;
  RenderFlags flags;
  app.add_option("PATH", flags.path);
  AddRenderFlags(app, flags);
  app.parse(
      "--kind directory --root repo --no-recurse --include a.yaml --include 'b/*' --exclude x "
      "--release-name web -n shop -f one.yaml --values two.yaml --set a=1 --set-string b=2 "
      "--set c=3 --helm helm4 --kustomize-fallback kustomize apps/web",
      false);
  EXPECT_EQ(flags.path, "apps/web") << "a repeatable flag takes one value, not PATH";
  EXPECT_EQ(flags.kind, "directory");
  EXPECT_EQ(flags.root, "repo");
  EXPECT_FALSE(flags.recurse);
  EXPECT_EQ(flags.include, (std::vector<std::string>{"a.yaml", "b/*"}));
  EXPECT_EQ(flags.exclude, std::vector<std::string>{"x"});
  EXPECT_EQ(flags.release_name, "web");
  EXPECT_EQ(flags.namespace_, "shop");
  EXPECT_EQ(flags.value_files, (std::vector<std::string>{"one.yaml", "two.yaml"}));
  EXPECT_EQ(flags.set, (std::vector<std::string>{"a=1", "c=3"}));
  EXPECT_EQ(flags.set_string, std::vector<std::string>{"b=2"});
  EXPECT_EQ(flags.helm, "helm4");
  EXPECT_EQ(flags.kustomize_fallback, "kustomize");
}

TEST(AddRenderFlagsTest, DefaultsAndRejectedValues) {
  {
    CLI::App app;
    RenderFlags flags;
    AddRenderFlags(app, flags);
    app.parse("", false);
    EXPECT_EQ(flags.kind, "auto");
    EXPECT_TRUE(flags.recurse);
    EXPECT_EQ(flags.helm, "helm");
    EXPECT_EQ(flags.root, "");
    EXPECT_EQ(flags.namespace_, "");
  }
  for (std::string line : {"--kind jsonnet", "--recurse=maybe", "--bogus"}) {
    SCOPED_TRACE(line);
    CLI::App app;
    RenderFlags flags;
    AddRenderFlags(app, flags);
    EXPECT_THROW(app.parse(line, false), CLI::ParseError);
  }
}

TEST(AddRenderFlagsTest, HelpNamesEveryFlag) {
  CLI::App app;
  RenderFlags flags;
  AddRenderFlags(app, flags);
  std::string help = app.help();
  for (std::string flag : {"--kind", "--root", "--recurse,--no-recurse", "--include", "--exclude",
                           "--release-name", "-n,--namespace", "-f,--values", "--set NAME=VALUE",
                           "--set-string NAME=VALUE", "--helm", "--kustomize-fallback"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << "\n" << help;
  }
}

}  // namespace
}  // namespace capstan::cli
