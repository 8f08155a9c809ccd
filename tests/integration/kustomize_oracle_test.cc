// Native kustomize against the real one: every folder under testdata/kustomize/ is a
// small repository; capstan's BuildKustomization and `kustomize build` must produce the
// same objects, field for field, in the same order. A case builds its own folder, or the
// folders listed one per line in its overlays.txt. When kustomize refuses a case, capstan
// must refuse it too, and its message must contain the line in expected-error.txt (when
// the case has one). A case with fallback.txt is built with the real binary as fallback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/process.h"
#include "core/yaml.h"
#include "render/kustomize/kustomize.h"

namespace capstan {
namespace {

namespace stdfs = std::filesystem;

stdfs::path CorpusRoot() {
  return stdfs::path(CAPSTAN_SOURCE_DIR) / "tests" / "integration" / "testdata" / "kustomize";
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(CorpusRoot(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadText(const stdfs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The folders to build in a case, relative to the case folder.
std::vector<std::string> Targets(const stdfs::path& case_dir) {
  std::vector<std::string> targets;
  if (!stdfs::exists(case_dir / "overlays.txt")) return {"."};
  std::istringstream lines(ReadText(case_dir / "overlays.txt"));
  for (std::string line; std::getline(lines, line);) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty() && line.front() != '#') targets.push_back(line);
  }
  return targets;
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    stdfs::path candidate = stdfs::path(dir) / program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// A line diff (longest common subsequence) of two YAML texts, "-" for kustomize only,
// "+" for capstan only.
std::string LineDiff(const std::string& expected, const std::string& actual) {
  auto split = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  auto a = split(expected), b = split(actual);
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + b[j++] + "\n";
    } else {
      out += "- " + a[i++] + "\n";
    }
  }
  return out;
}

std::string Describe(const Value& object) {
  return std::string(object.StringAt({"kind"})) + " " +
         std::string(object.StringAt({"metadata", "namespace"})) + "/" +
         std::string(object.StringAt({"metadata", "name"}));
}

class KustomizeOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(KustomizeOracle, MatchesRealKustomize) {
  std::string kustomize = FindOnPath("kustomize");
  ASSERT_FALSE(kustomize.empty())
      << "kustomize is not on PATH: run scripts/install-deps.sh, then source scripts/env.sh";
  stdfs::path case_dir = CorpusRoot() / GetParam();
  auto fs = RootedFs::Open(case_dir);
  ASSERT_TRUE(fs.ok()) << fs.error().message();
  for (const std::string& target : Targets(case_dir)) {
    SCOPED_TRACE("case " + GetParam() + ", building " + target);
    ProcessOptions options;
    options.argv = {kustomize, "build", (case_dir / target).lexically_normal().string()};
    auto oracle = RunProcess(options);
    ASSERT_TRUE(oracle.ok()) << oracle.error().message();
    // A case holding fallback.txt uses fields capstan does not build natively: it checks
    // that they reach the real binary through KustomizeOptions::fallback_binary.
    render::KustomizeOptions build_options;
    if (stdfs::exists(case_dir / "fallback.txt")) build_options.fallback_binary = kustomize;
    auto built = render::BuildKustomization(*fs, target, build_options);
    if (!oracle->success()) {
      ASSERT_FALSE(built.ok()) << "kustomize refused this case but capstan built it; kustomize "
                                  "said:\n"
                               << oracle->stderr_data;
      stdfs::path expected_error = case_dir / "expected-error.txt";
      if (stdfs::exists(expected_error)) {
        std::string wanted = ReadText(expected_error);
        wanted.erase(wanted.find_last_not_of(" \r\n") + 1);
        EXPECT_NE(built.error().message().find(wanted), std::string::npos)
            << "capstan's error: " << built.error().message()
            << "\nexpected it to contain: " << wanted;
      }
      continue;
    }
    ASSERT_TRUE(built.ok()) << "capstan failed where kustomize succeeded: "
                            << built.error().message();
    auto expected_docs = ParseYamlStream(oracle->stdout_data, "kustomize output");
    ASSERT_TRUE(expected_docs.ok()) << expected_docs.error().message();
    std::vector<Value> expected;
    for (auto& doc : *expected_docs) {
      if (!doc.value.is_null()) expected.push_back(std::move(doc.value));
    }
    std::vector<Value> actual;
    for (const auto& manifest : built->manifests) actual.push_back(manifest.object);
    std::string order_expected, order_actual;
    for (const auto& o : expected) order_expected += "  " + Describe(o) + "\n";
    for (const auto& o : actual) order_actual += "  " + Describe(o) + "\n";
    ASSERT_EQ(expected.size(), actual.size()) << "kustomize built:\n"
                                              << order_expected << "capstan built:\n"
                                              << order_actual;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_TRUE(expected[i] == actual[i])
          << "object " << i << " differs (kustomize: " << Describe(expected[i])
          << ", capstan: " << Describe(actual[i]) << "); - kustomize, + capstan:\n"
          << LineDiff(EmitYaml(expected[i]), EmitYaml(actual[i]));
    }
  }
}

std::string CaseTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, KustomizeOracle, ::testing::ValuesIn(CaseNames()), CaseTestName);

TEST(KustomizeOracleCorpus, HasTheCases) {
  // Guards against the glob silently finding nothing (a moved folder would pass vacuously).
  EXPECT_GE(CaseNames().size(), 25u) << "corpus at " << CorpusRoot();
}

}  // namespace
}  // namespace capstan
