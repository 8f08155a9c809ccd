// The source module against real Git servers on loopback (scripts/git-servers.sh): sshd
// with a key made for the test, and lighttpd running `git http-backend` over TLS (a CA made
// for the test) with basic auth. Clone, fetch and RevertToRevision's push over both, and
// the failures a user meets: a wrong password, a key the server does not know, a
// certificate nobody vouches for. Needs openssh-server, lighttpd and lighttpd-mod-openssl
// (scripts/install-deps.sh); without them the suite fails loudly.
#include <git2.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "source/internal/git.h"
#include "source/internal/push.h"
#include "source/source.h"
#include "support/run.h"

namespace {

namespace fs = std::filesystem;
using capstan::ErrorCode;
using capstan::Result;
using capstan::Status;
using capstan::it::Describe;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;
using capstan::source::CacheOptions;
using capstan::source::Credential;
using capstan::source::CredentialProvider;
using capstan::source::Repository;
using capstan::source::RepositoryCache;
using capstan::source::RevertRequest;

const std::string kGitServers = std::string(CAPSTAN_SOURCE_DIR) + "/scripts/git-servers.sh";
const std::vector<std::string> kGitIdentity = {
    "GIT_CONFIG_NOSYSTEM=1",         "GIT_CONFIG_GLOBAL=/dev/null",
    "GIT_AUTHOR_NAME=Ana Author",    "GIT_AUTHOR_EMAIL=ana@example.com",
    "GIT_COMMITTER_NAME=Ana Author", "GIT_COMMITTER_EMAIL=ana@example.com",
};

// `git -C dir args...`; a failure fails the test. Returns stdout without the last newline.
std::string Git(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  RunOutput run = RunProgram(args, {}, kGitIdentity);
  EXPECT_EQ(run.exit_code, 0) << args[3] << ": " << Describe(run);
  std::string out = run.out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Hands out one fixed credential and counts how often it was asked.
class FixedCredential : public CredentialProvider {
 public:
  explicit FixedCredential(Credential credential) : credential_(std::move(credential)) {}
  Result<Credential> Lookup(std::string_view url, std::string_view username) override {
    ++lookups;
    last_url = url;
    last_username = username;
    return credential_;
  }
  int lookups = 0;
  std::string last_url;
  std::string last_username;

 private:
  Credential credential_;
};

// Starts the servers once for the binary, before any test touches libgit2: libgit2 looks
// for ~/.ssh/known_hosts in the HOME it saw first, so HOME is a folder of the test's own,
// whose known_hosts names the test sshd's key (the user's own file is never touched).
class GitServers : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    home_ = dir_->path() / "home";
    fs::create_directories(home_ / ".ssh");
    setenv("HOME", home_.c_str(), 1);
    RunOutput run = RunProgram({kGitServers, "start", (dir_->path() / "servers").string()});
    if (run.exit_code != 0) {
      // Reported by every test (a failure here would make GoogleTest skip them instead).
      start_error = "could not start the Git servers: " + Describe(run);
      return;
    }
    std::ifstream in(dir_->path() / "servers" / "servers.env");
    std::string line;
    while (std::getline(in, line)) {
      size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    fs::copy_file(env.at("SSH_KNOWN_HOSTS"), KnownHosts());
  }
  void TearDown() override {
    if (dir_) RunProgram({kGitServers, "stop", (dir_->path() / "servers").string()});
    dir_.reset();
  }
  static fs::path KnownHosts() { return home_ / ".ssh" / "known_hosts"; }

  static inline std::string start_error;
  static inline std::map<std::string, std::string> env;

 private:
  static inline std::unique_ptr<TempDir> dir_;
  static inline fs::path home_;
};

const auto* const kServers = ::testing::AddGlobalTestEnvironment(new GitServers);

class GitRemote : public ::testing::Test {
 protected:
  const std::map<std::string, std::string>& env_ = GitServers::env;

  void SetUp() override {
    ASSERT_TRUE(GitServers::start_error.empty()) << GitServers::start_error;
    name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    // A bare repository served by both servers, fed from a work clone over the file system.
    bare_ = fs::path(env_.at("REPOS")) / (name_ + ".git");
    work_ = tmp_.path() / "work";
    Git(tmp_.path(), {"init", "-q", "--bare", "-b", "main", bare_.string()});
    Git(tmp_.path(), {"init", "-q", "-b", "main", work_.string()});
    Git(work_, {"remote", "add", "origin", bare_.string()});
    // http-backend serves only repositories that say so or GIT_HTTP_EXPORT_ALL; pushes over
    // https need receive-pack switched on for an authenticated user, which it is by default.
  }

  // Writes `path` in the work clone, commits and pushes to the served repository.
  std::string Push(const std::string& path, const std::string& contents,
                   const std::string& message) {
    std::ofstream(work_ / path) << contents;
    Git(work_, {"add", "-A"});
    Git(work_, {"commit", "-q", "-m", message});
    Git(work_, {"push", "-q", "origin", "HEAD:main"});
    return Git(work_, {"rev-parse", "HEAD"});
  }

  std::string SshUrl() const {
    return "ssh://" + env_.at("SSH_USER") + "@127.0.0.1:" + env_.at("SSH_PORT") + bare_.string();
  }
  std::string HttpsUrl() const {
    return "https://127.0.0.1:" + env_.at("HTTPS_PORT") + "/git/" + name_ + ".git";
  }
  Credential SshKey() const {
    Credential key;
    key.kind = Credential::Kind::kSshKey;
    key.username = env_.at("SSH_USER");
    key.private_key = env_.at("SSH_KEY");
    key.public_key = env_.at("SSH_PUBLIC_KEY");
    return key;
  }
  Credential Password(const std::string& password) const {
    Credential basic;
    basic.kind = Credential::Kind::kUserPassword;
    basic.username = env_.at("HTTP_USER");
    basic.password = password;
    return basic;
  }
  void TrustTestCa() {
    Status trusted = capstan::source::TrustCertificates(env_.at("CA_FILE"));
    ASSERT_TRUE(trusted.ok()) << trusted.error().message();
  }

  TempDir tmp_;
  std::string name_;
  fs::path bare_;
  fs::path work_;
};

TEST(LibGit2, WasBuiltWithSshAndHttps) {
  git_libgit2_init();
  int features = git_libgit2_features();
  EXPECT_NE(features & GIT_FEATURE_SSH, 0)
      << "this libgit2 has no SSH transport: ssh:// remotes cannot work (Debian's libgit2-1.5 "
         "is built with libssh2)";
  EXPECT_NE(features & GIT_FEATURE_HTTPS, 0) << "this libgit2 has no HTTPS transport";
  EXPECT_NE(features & GIT_FEATURE_THREADS, 0) << "RepositoryCache fetches from many threads";
}

TEST_F(GitRemote, SshCloneAndFetchWithAKey) {
  std::string first = Push("app.yaml", "replicas: 1\n", "first");
  FixedCredential key(SshKey());
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &key});
  Result<Repository> repo = cache.Fetch(SshUrl());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(capstan::source::Resolve(*repo, "main")->sha, first);
  EXPECT_EQ(key.last_username, env_.at("SSH_USER")) << "the user written in the URL";

  std::string second = Push("app.yaml", "replicas: 2\n", "second");
  repo = cache.Fetch(SshUrl());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(capstan::source::Resolve(*repo, "main")->sha, second);
  auto files = capstan::source::ReadTree(*repo, second, "");
  ASSERT_TRUE(files.ok()) << files.error().message();
  EXPECT_EQ(files->at("app.yaml"), "replicas: 2\n");
}

TEST_F(GitRemote, SshRefusesAKeyTheServerDoesNotKnow) {
  Push("app.yaml", "replicas: 1\n", "first");
  fs::path other = tmp_.path() / "other_ed25519";
  RunOutput keygen =
      RunProgram({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.string()});
  ASSERT_EQ(keygen.exit_code, 0) << Describe(keygen);
  Credential stranger = SshKey();
  stranger.private_key = other;
  stranger.public_key = other.string() + ".pub";
  FixedCredential key(stranger);
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &key});
  Result<Repository> repo = cache.Fetch(SshUrl());
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(repo.error().message().rfind("git " + SshUrl() + ": fetch failed: ", 0), 0u)
      << repo.error().message();
  // Nothing but the mirror's empty lock file (RepositoryCache's flock between processes).
  for (const auto& entry : fs::directory_iterator(tmp_.path() / "cache")) {
    EXPECT_EQ(entry.path().extension(), ".lock")
        << "a failed clone leaves nothing: " << entry.path();
  }
}

TEST_F(GitRemote, SshRefusesAHostKeyNotInKnownHosts) {
  Push("app.yaml", "replicas: 1\n", "first");
  // Another server's key under this server's name: what a man in the middle looks like.
  fs::path other = tmp_.path() / "other_host";
  RunOutput keygen =
      RunProgram({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.string()});
  ASSERT_EQ(keygen.exit_code, 0) << Describe(keygen);
  std::string other_key;
  std::getline(std::ifstream(other.string() + ".pub"), other_key);
  fs::path known = GitServers::KnownHosts();
  fs::rename(known, known.string() + ".saved");
  std::ofstream(known) << "[127.0.0.1]:" << env_.at("SSH_PORT") << " "
                       << other_key.substr(0, other_key.rfind(' ')) << "\n";
  FixedCredential key(SshKey());
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &key});
  Result<Repository> repo = cache.Fetch(SshUrl());
  fs::rename(known.string() + ".saved", known);
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(repo.error().message().find("hostkey"), std::string::npos) << repo.error().message();
  EXPECT_EQ(key.lookups, 0) << "no key is offered to a server that was not verified";
}

TEST_F(GitRemote, SshWithoutCredentialsSaysSo) {
  Push("app.yaml", "replicas: 1\n", "first");
  RepositoryCache cache(tmp_.path() / "cache");
  Result<Repository> repo = cache.Fetch(SshUrl());
  ASSERT_FALSE(repo.ok());
  EXPECT_NE(repo.error().message().find(SshUrl()), std::string::npos) << repo.error().message();
  EXPECT_NE(repo.error().message().find("credentials"), std::string::npos)
      << repo.error().message();
}

TEST_F(GitRemote, HttpsCloneAndFetchWithBasicAuthAndAPrivateCa) {
  TrustTestCa();
  std::string first = Push("app.yaml", "replicas: 1\n", "first");
  FixedCredential basic(Password(env_.at("HTTP_PASSWORD")));
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &basic});
  Result<Repository> repo = cache.Fetch(HttpsUrl());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(capstan::source::Resolve(*repo, "main")->sha, first);
  EXPECT_GE(basic.lookups, 1) << "the server asked for credentials";

  std::string second = Push("app.yaml", "replicas: 2\n", "second");
  repo = cache.Fetch(HttpsUrl());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(capstan::source::Resolve(*repo, "main")->sha, second);
}

TEST_F(GitRemote, HttpsWrongPasswordNamesTheUrlButNotThePassword) {
  TrustTestCa();
  Push("app.yaml", "replicas: 1\n", "first");
  const std::string wrong = "not-the-password-" + env_.at("HTTP_PASSWORD").substr(0, 4);
  FixedCredential basic(Password(wrong));
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &basic});
  Result<Repository> repo = cache.Fetch(HttpsUrl());
  ASSERT_FALSE(repo.ok());
  const std::string& message = repo.error().message();
  EXPECT_EQ(repo.error().code(), ErrorCode::kUnavailable) << message;
  EXPECT_EQ(message.rfind("git " + HttpsUrl() + ": fetch failed: ", 0), 0u) << message;
  EXPECT_NE(message.find("refused the credentials"), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
  EXPECT_EQ(message.find(env_.at("HTTP_PASSWORD")), std::string::npos) << message;
  EXPECT_EQ(basic.lookups, 1) << "a refused credential is not offered again";
}

TEST_F(GitRemote, HttpsRefusesACertificateNoTrustedCaSigned) {
  Push("app.yaml", "replicas: 1\n", "first");
  // The system's public CAs, which never signed the test server's certificate.
  Status system = capstan::source::TrustCertificates("/etc/ssl/certs/ca-certificates.crt");
  ASSERT_TRUE(system.ok()) << system.error().message();
  FixedCredential basic(Password(env_.at("HTTP_PASSWORD")));
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &basic});
  Result<Repository> repo = cache.Fetch(HttpsUrl());
  TrustTestCa();  // before any assertion can end the test
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(repo.error().message().rfind("git " + HttpsUrl() + ": fetch failed: ", 0), 0u)
      << repo.error().message();
  EXPECT_EQ(basic.lookups, 0) << "no password is sent to a server that was not verified";

  Status missing = capstan::source::TrustCertificates(tmp_.path() / "nope.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalid);
}

// RevertToRevision's push through the server's receive-pack, over ssh and over https.
TEST_F(GitRemote, RevertPushesOverSshAndHttps) {
  TrustTestCa();
  std::string good = Push("app.yaml", "image: v1\n", "Deploy v1");
  Push("app.yaml", "image: v2\n", "Deploy v2");
  FixedCredential key(SshKey());
  RepositoryCache ssh_cache(tmp_.path() / "ssh-cache", CacheOptions{.credentials = &key});
  capstan::source::WriteOptions ssh_options;
  ssh_options.credentials = &key;
  RevertRequest request;
  request.url = SshUrl();
  request.branch = "main";
  request.good_revision = good;
  Result<std::string> over_ssh = RevertToRevision(ssh_cache, request, ssh_options);
  ASSERT_TRUE(over_ssh.ok()) << over_ssh.error().message();
  EXPECT_EQ(Git(bare_, {"rev-parse", "main"}), *over_ssh);
  EXPECT_EQ(Git(bare_, {"diff", "--stat", good, *over_ssh}), "");
  EXPECT_EQ(Git(bare_, {"log", "-1", "--format=%s", "main"}), "Revert to " + good + ": Deploy v1");

  Git(work_, {"pull", "-q", "--ff-only", "origin", "main"});
  std::string later = Push("app.yaml", "image: v3\n", "Deploy v3");
  FixedCredential basic(Password(env_.at("HTTP_PASSWORD")));
  RepositoryCache https_cache(tmp_.path() / "https-cache", CacheOptions{.credentials = &basic});
  capstan::source::WriteOptions https_options;
  https_options.credentials = &basic;
  request.url = HttpsUrl();
  request.expected_head = later;
  Result<std::string> over_https = RevertToRevision(https_cache, request, https_options);
  ASSERT_TRUE(over_https.ok()) << over_https.error().message();
  EXPECT_EQ(Git(bare_, {"rev-parse", "main"}), *over_https);
  EXPECT_EQ(Git(bare_, {"rev-parse", "main^"}), later);
  EXPECT_EQ(Git(bare_, {"diff", "--stat", good, *over_https}), "");
}

TEST_F(GitRemote, RevertPushWithAWrongPasswordChangesNothing) {
  TrustTestCa();
  std::string good = Push("app.yaml", "image: v1\n", "Deploy v1");
  std::string head = Push("app.yaml", "image: v2\n", "Deploy v2");
  // Reads are allowed with the right password, the push is tried with a wrong one.
  FixedCredential reader(Password(env_.at("HTTP_PASSWORD")));
  FixedCredential writer(Password("wrong-password"));
  RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = &reader});
  capstan::source::WriteOptions options;
  options.credentials = &writer;
  RevertRequest request;
  request.url = HttpsUrl();
  request.branch = "main";
  request.good_revision = good;
  Result<std::string> result = RevertToRevision(cache, request, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable) << result.error().message();
  EXPECT_EQ(result.error().message().rfind("git " + HttpsUrl() + ": branch main: ", 0), 0u)
      << result.error().message();
  EXPECT_EQ(result.error().message().find("wrong-password"), std::string::npos);
  EXPECT_EQ(Git(bare_, {"rev-parse", "main"}), head);
}

// The branch moves on the server after the mirror's fetch: the push must not go through,
// also where the server would take it as a fast-forward of an older head.
TEST_F(GitRemote, PushIsAConflictWhenTheBranchMovedOverSshAndHttps) {
  TrustTestCa();
  std::string good = Push("app.yaml", "image: v1\n", "Deploy v1");
  std::string head = Push("app.yaml", "image: v2\n", "Deploy v2");
  FixedCredential key(SshKey());
  FixedCredential basic(Password(env_.at("HTTP_PASSWORD")));
  struct Case {
    std::string url;
    CredentialProvider* credentials;
  };
  std::vector<Case> cases = {{SshUrl(), &key}, {HttpsUrl(), &basic}};
  std::vector<std::pair<std::string, Repository>> mirrors;
  for (const Case& c : cases) {
    RepositoryCache cache(tmp_.path() / "cache", CacheOptions{.credentials = c.credentials});
    Result<Repository> mirror = cache.Fetch(c.url);
    ASSERT_TRUE(mirror.ok()) << mirror.error().message();
    // What RevertToRevision builds after its fetch, made by hand so the server can move first.
    std::string commit =
        Git(mirror->path, {"commit-tree", good + "^{tree}", "-p", head, "-m", "Revert to v1"});
    mirrors.emplace_back(commit, *mirror);
  }
  std::string moved = Push("other.yaml", "x: 1\n", "someone else");
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].url);
    const auto& [commit, mirror] = mirrors[i];
    auto git = capstan::source::internal::Open(mirror);
    ASSERT_TRUE(git.ok());
    git_oid parent, created;
    git_oid_fromstr(&parent, head.c_str());
    git_oid_fromstr(&created, commit.c_str());
    Status pushed = capstan::source::internal::PushFastForward(git->get(), mirror, "main", parent,
                                                               created, cases[i].credentials);
    ASSERT_FALSE(pushed.ok());
    EXPECT_EQ(pushed.error().code(), ErrorCode::kConflict) << pushed.error().message();
    EXPECT_EQ(pushed.error().message().rfind("git " + cases[i].url + ": branch main: moved", 0), 0u)
        << pushed.error().message();
    EXPECT_EQ(Git(bare_, {"rev-parse", "main"}), moved);
  }
}

}  // namespace
