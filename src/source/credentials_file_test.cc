#include "source/credentials_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "source/internal/testing.h"

namespace capstan::source {
namespace {

using testing::TempDir;

void Write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.path() / name, std::ios::binary) << text;
}

TEST(FileCredentialProvider, TheLongestMatchingUrlPrefixWins) {
  TempDir dir;
  Write(dir, "token", "s3cret-token\n");
  Write(dir, "key", "not really a key");
  Write(dir, "creds.yaml",
        "- url: https://git.example.com/\n  username: bot\n  passwordFile: token\n"
        "- url: https://git.example.com/team/\n  username: team-bot\n  passwordFile: token\n"
        "- url: ssh://git@git.example.com/\n  sshPrivateKeyFile: key\n");
  auto provider = FileCredentialProvider::Load(dir.path() / "creds.yaml");
  ASSERT_TRUE(provider.ok()) << provider.error().message();

  auto team = (*provider)->Lookup("https://git.example.com/team/app.git", "");
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team->username, "team-bot");
  EXPECT_EQ(team->password, "s3cret-token") << "trailing newline trimmed";

  auto other = (*provider)->Lookup("https://git.example.com/other/app.git", "");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->username, "bot");

  auto ssh = (*provider)->Lookup("ssh://git@git.example.com/team/app.git", "git");
  ASSERT_TRUE(ssh.ok());
  EXPECT_EQ(ssh->kind, Credential::Kind::kSshKey);
  EXPECT_EQ(ssh->username, "git") << "from the URL";
  EXPECT_EQ(ssh->private_key, dir.path() / "key");

  EXPECT_FALSE((*provider)->Lookup("https://elsewhere.example.com/x.git", "").ok());
}

TEST(FileCredentialProvider, ErrorsNameTheEntryAndFieldNeverTheSecret) {
  TempDir dir;
  Write(dir, "token", "s3cret-token");
  Write(dir, "both.yaml", "- url: https://x/\n  passwordFile: token\n  sshAgent: true\n");
  auto both = FileCredentialProvider::Load(dir.path() / "both.yaml");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message().find("[0]"), std::string::npos) << both.error().message();

  Write(dir, "missing.yaml", "- url: https://x/\n  passwordFile: nope\n");
  auto missing = FileCredentialProvider::Load(dir.path() / "missing.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("[0].passwordFile"), std::string::npos);

  Write(dir, "typo.yaml", "- url: https://x/\n  pasword: s3cret-token\n");
  auto typo = FileCredentialProvider::Load(dir.path() / "typo.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("pasword: unknown field"), std::string::npos);
  EXPECT_EQ(typo.error().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace capstan::source
