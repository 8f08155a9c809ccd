#include "core/fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace capstan {
namespace {
namespace fs = std::filesystem;

class RootedFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("capstan-fs-test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "repo/app");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "repo/app/a.yaml") << "a: 1\n";
    std::ofstream(base_ / "outside/secret") << "s\n";
    fs::create_directory_symlink(base_ / "outside", base_ / "repo/escape");
    fs::create_directory_symlink(base_ / "repo/app", base_ / "repo/inside");
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
};

TEST_F(RootedFsTest, ResolvesInsideAndRefusesEscapes) {
  auto root = RootedFs::Open(base_ / "repo");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->Resolve("app", "a.yaml").ok());
  EXPECT_TRUE(root->Resolve("", "inside/a.yaml").ok());
  auto up = root->Resolve("app", "../../outside/secret");
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().message(), "../../outside/secret: path leaves the repository root");
  auto link = root->Resolve("", "escape/secret");
  ASSERT_FALSE(link.ok());
  EXPECT_EQ(link.error().message(),
            "escape/secret: a symbolic link leads outside the repository root");
  EXPECT_FALSE(root->Resolve("", "/etc/passwd").ok());
}

TEST_F(RootedFsTest, BoundedReadAndAtomicWrite) {
  fs::path file = base_ / "repo/out.txt";
  ASSERT_TRUE(WriteFileAtomic(file, "hello").ok());
  auto read = ReadFileBounded(file, 100);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "hello");
  auto too_big = ReadFileBounded(file, 3);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message().find("over the limit of 3 bytes"), std::string::npos);
}

}  // namespace
}  // namespace capstan
