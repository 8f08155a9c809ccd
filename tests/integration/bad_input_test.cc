// Bad input through the real `capstan` binary: each case must end with exit code 2 and one
// clear message naming the file (and line and column, or the field) — never a crash,
// never unbounded memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/run.h"

namespace capstan::it {
namespace {

constexpr long kMemoryBoundKb = 256 * 1024;  // 256 MiB: far below what a 100 MB load needs

RunOutput Render(const std::filesystem::path& path) {
  return RunProgram({CAPSTAN_BINARY, "render", path.string()});
}

void ExpectCleanFailure(const RunOutput& run, const std::string& want_in_message) {
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find(want_in_message), std::string::npos)
      << "stderr was: " << run.err << "\nwanted: " << want_in_message;
  EXPECT_TRUE(run.out.empty()) << "no partial output expected, got: " << run.out.substr(0, 200);
  EXPECT_LT(run.max_rss_kb, kMemoryBoundKb);
}

TEST(BadInputTest, MalformedYamlNamesFileLineAndColumn) {
  TempDir dir;
  dir.Write("app/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n");
  ExpectCleanFailure(Render(dir.path() / "app"), "deploy.yaml:5:1:");
}

TEST(BadInputTest, DuplicateKeyNamesTheKey) {
  TempDir dir;
  dir.Write("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n");
  ExpectCleanFailure(Render(dir.path() / "app"), "cm.yaml:5:3: duplicate key \"name\"");
}

TEST(BadInputTest, AliasBombIsRefusedInBoundedMemory) {
  TempDir dir;
  std::string bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n";
  bomb += "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
  std::string previous = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string name(1, c);
    bomb += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ",*" : "*") + previous;
    bomb += "]\n";
    previous = name;
  }
  dir.Write("app/bomb.yaml", bomb);
  ExpectCleanFailure(Render(dir.path() / "app"), "billion laughs");
}

TEST(BadInputTest, HundredMegabyteFileIsRefusedBeforeReading) {
  TempDir dir;
  std::string line = "# padding padding padding padding padding padding padding padding\n";
  std::string big;
  big.reserve(100u << 20);
  while (big.size() < (100u << 20)) big += line;
  dir.Write("app/huge.yaml", big);
  big.clear();
  big.shrink_to_fit();
  ExpectCleanFailure(Render(dir.path() / "app"), "huge.yaml");
}

TEST(BadInputTest, KustomizationReachingOutsideTheRootIsRefused) {
  TempDir dir;
  dir.Write("outside/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\nstringData: {k: v}\n");
  dir.Write("repo/app/kustomization.yaml", "resources:\n- ../../outside/secret.yaml\n");
  auto run = RunProgram({CAPSTAN_BINARY, "render", "--root", (dir.path() / "repo").string(),
                         (dir.path() / "repo/app").string()});
  ExpectCleanFailure(run, "leaves the repository root");
  EXPECT_EQ(run.err.find("stolen"), std::string::npos);
}

TEST(BadInputTest, SymlinkEscapingTheRootIsRefused) {
  TempDir dir;
  dir.Write("outside/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n");
  dir.Write("repo/app/kustomization.yaml", "resources:\n- link/cm.yaml\n");
  std::filesystem::create_directory_symlink(dir.path() / "outside", dir.path() / "repo/app/link");
  auto run = RunProgram({CAPSTAN_BINARY, "render", "--root", (dir.path() / "repo").string(),
                         (dir.path() / "repo/app").string()});
  ExpectCleanFailure(run, "symbolic link leads outside the repository root");
}

TEST(BadInputTest, UnknownKustomizationFieldIsNamed) {
  TempDir dir;
  dir.Write("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
  dir.Write("app/kustomization.yaml", "resources: [cm.yaml]\nnamePrefx: dev-\n");
  ExpectCleanFailure(Render(dir.path() / "app"), "namePrefx");
}

TEST(BadInputTest, ObjectWithoutKindNamesFileAndField) {
  TempDir dir;
  dir.Write("app/x.yaml", "apiVersion: v1\nmetadata: {name: a}\n");
  ExpectCleanFailure(Render(dir.path() / "app"), "x.yaml");
  ExpectCleanFailure(Render(dir.path() / "app"), "kind");
}

}  // namespace
}  // namespace capstan::it
