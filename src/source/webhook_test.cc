#include "source/webhook.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace capstan::source {
namespace {

// The example secret of GitHub's webhook documentation; the .sha256 fixtures are HMACs with it.
constexpr char kSecret[] = "It's a Secret to Everybody";

std::string ReadFixture(const std::string& name) {
  std::ifstream in("testdata/webhook/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixture's signature, computed by Python's hmac module (see testdata/webhook/README.md).
std::string SignatureOf(const std::string& name) {
  std::string hex = ReadFixture(name + ".sha256");
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  return hex;
}

WebhookSecrets AllSecrets() { return {kSecret, kSecret, kSecret}; }

WebhookRequest GitHubPush() {
  return {{{"Content-Type", "application/json"},
           {"X-GitHub-Event", "push"},
           {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
           {"X-Hub-Signature-256", "sha256=" + SignatureOf("github_push.json")}},
          ReadFixture("github_push.json")};
}

WebhookRequest GitLabPush() {
  return {{{"x-gitlab-event", "Push Hook"},
           {"x-gitlab-token", kSecret},
           {"x-gitlab-event-uuid", "13792a34-cac6-4fda-95a8-c58e00a3954e"}},
          ReadFixture("gitlab_push.json")};
}

WebhookRequest GiteaPush() {
  std::string signature = SignatureOf("gitea_push.json");
  return {{{"X-Gitea-Event", "push"},
           {"X-GitHub-Event", "push"},
           {"X-Gitea-Delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473"},
           {"X-Gitea-Signature", signature},
           {"X-Hub-Signature-256", "sha256=" + signature}},
          ReadFixture("gitea_push.json")};
}

// Replaces (or adds) header `name`; removes it when `value` is empty.
WebhookRequest WithHeader(WebhookRequest request, const std::string& name,
                          const std::string& value) {
  auto& headers = request.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return h.first == name; }),
                headers.end());
  if (!value.empty()) headers.emplace_back(name, value);
  return request;
}

TEST(WebhookTest, GitHubPush) {
  Result<PushEvent> push = ParseWebhook(GitHubPush(), AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->provider, WebhookProvider::kGitHub);
  EXPECT_EQ(push->delivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(push->ref, "refs/heads/main");
  EXPECT_EQ(push->branch, "main");
  EXPECT_EQ(push->tag, "");
  EXPECT_EQ(push->after, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(push->before, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
  EXPECT_FALSE(push->deleted);
  EXPECT_EQ(push->repo_urls, (std::vector<std::string>{
                                 "https://github.com/acme-corp/deploy-config",
                                 "ssh://git@github.com/acme-corp/deploy-config",
                                 "git://github.com/acme-corp/deploy-config",
                             }));
  EXPECT_EQ(push->changed_files, (std::vector<std::string>{
                                     "apps/api/base/config.yaml",
                                     "apps/api/base/kustomization.yaml",
                                     "apps/api/base/old-config.yaml",
                                     "apps/web/overlays/prod/kustomization.yaml",
                                 }));
  EXPECT_TRUE(push->changed_files_complete);
  EXPECT_TRUE(push->MatchesRepo("https://github.com/Acme-Corp/deploy-config.git"));
  EXPECT_TRUE(push->MatchesRepo("git@github.com:acme-corp/deploy-config"));
  EXPECT_FALSE(push->MatchesRepo("https://github.com/Acme-Corp/deploy-config-old"));
  EXPECT_FALSE(push->MatchesRepo("https://github.com/Acme-Corp")) << "the owner's html_url";
}

TEST(WebhookTest, GitLabPushAndTagPush) {
  Result<PushEvent> push = ParseWebhook(GitLabPush(), AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->provider, WebhookProvider::kGitLab);
  EXPECT_EQ(push->delivery, "13792a34-cac6-4fda-95a8-c58e00a3954e");
  EXPECT_EQ(push->branch, "release/2026.11");
  EXPECT_EQ(push->after, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(push->repo_urls, (std::vector<std::string>{
                                 "ssh://git@gitlab.example.com/platform/deploy",
                                 "https://gitlab.example.com/platform/deploy",
                             }));
  EXPECT_EQ(push->changed_files, (std::vector<std::string>{"envs/prod/web/values.yaml",
                                                           "envs/staging/worker/deployment.yaml"}));
  EXPECT_TRUE(push->changed_files_complete);

  WebhookRequest tag = WithHeader(GitLabPush(), "x-gitlab-event", "Tag Push Hook");
  tag.body = ReadFixture("gitlab_tag_push.json");
  push = ParseWebhook(tag, AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->ref, "refs/tags/v1.4.2");
  EXPECT_EQ(push->tag, "v1.4.2");
  EXPECT_EQ(push->branch, "");
  EXPECT_FALSE(push->changed_files_complete) << "a new ref lists no files it can vouch for";
}

TEST(WebhookTest, GitLabListsOnlySomeCommits) {
  WebhookRequest request = GitLabPush();
  const std::string listed = "\"total_commits_count\": 2";
  size_t at = request.body.find(listed);
  ASSERT_NE(at, std::string::npos);
  request.body.replace(at, listed.size(), "\"total_commits_count\": 40");
  Result<PushEvent> push = ParseWebhook(request, AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_FALSE(push->changed_files_complete);
}

TEST(WebhookTest, GiteaPushWithEitherSignatureHeader) {
  Result<PushEvent> push = ParseWebhook(GiteaPush(), AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->provider, WebhookProvider::kGitea) << "X-Gitea-Event wins over X-GitHub-Event";
  EXPECT_EQ(push->delivery, "f6266f16-1bf3-46a5-9ea4-602e06ead473");
  EXPECT_EQ(push->repo_urls, (std::vector<std::string>{
                                 "https://git.example.org:3000/ops/fleet",
                                 "ssh://git@git.example.org:2222/ops/fleet",
                             }));
  EXPECT_EQ(push->changed_files, std::vector<std::string>{"clusters/eu/cache/statefulset.yaml"});
  EXPECT_TRUE(push->MatchesRepo("https://git.example.org:3000/ops/fleet.git"));

  WebhookRequest hub_only = WithHeader(GiteaPush(), "X-Gitea-Signature", "");
  push = ParseWebhook(hub_only, AllSecrets());
  EXPECT_TRUE(push.ok()) << push.error().message();
}

TEST(WebhookTest, SignatureAgreesWithGitHubsDocumentedExample) {
  // docs.github.com, "Validating webhook deliveries": this body and secret give this digest.
  WebhookRequest request{
      {{"X-GitHub-Event", "push"},
       {"X-Hub-Signature-256",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}},
      "Hello, World!"};
  Result<PushEvent> push = ParseWebhook(request, AllSecrets());
  ASSERT_FALSE(push.ok());
  // The signature passed: what failed is the body, which is not a push payload.
  EXPECT_FALSE(IsForbidden(push.error())) << push.error().message();
  EXPECT_NE(push.error().message().find("payload is not valid JSON"), std::string::npos)
      << push.error().message();
}

TEST(WebhookTest, RefusesRequestsThatAreNotProvenGenuine) {
  std::string good = SignatureOf("github_push.json");
  std::string tampered_body = GitHubPush().body;
  tampered_body.replace(tampered_body.find("refs/heads/main"), 15, "refs/heads/evil");
  WebhookRequest tampered = GitHubPush();
  tampered.body = tampered_body;
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  struct Case {
    const char* name;
    WebhookRequest request;
    WebhookSecrets secrets;
    std::string message;  // expected error message
  };
  const Case cases[] = {
      {"no provider header", WithHeader(GitHubPush(), "X-GitHub-Event", ""), AllSecrets(),
       "webhook: forbidden: no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header; only "
       "GitHub, GitLab and Gitea push webhooks are accepted"},
      {"signature missing", WithHeader(GitHubPush(), "X-Hub-Signature-256", ""), AllSecrets(),
       "webhook github: forbidden: X-Hub-Signature-256 header is missing"},
      {"old SHA-1 signature only",
       WithHeader(WithHeader(GitHubPush(), "X-Hub-Signature-256", ""), "X-Hub-Signature",
                  "sha1=" + good.substr(0, 40)),
       AllSecrets(), "webhook github: forbidden: X-Hub-Signature-256 header is missing"},
      {"signature without prefix", WithHeader(GitHubPush(), "X-Hub-Signature-256", good),
       AllSecrets(),
       "webhook github: forbidden: X-Hub-Signature-256 is not sha256=<64 hex digits>"},
      {"signature cut short",
       WithHeader(GitHubPush(), "X-Hub-Signature-256", "sha256=" + good.substr(0, 63)),
       AllSecrets(),
       "webhook github: forbidden: X-Hub-Signature-256 is not sha256=<64 hex digits>"},
      {"signature of another body", tampered, AllSecrets(),
       "webhook github: forbidden: X-Hub-Signature-256 does not match the body (a different "
       "secret, or the body was changed)"},
      {"another secret",
       GitHubPush(),
       {"another secret", kSecret, kSecret},
       "webhook github: forbidden: X-Hub-Signature-256 does not match the body (a different "
       "secret, or the body was changed)"},
      {"no secret configured for the provider",
       GitHubPush(),
       {"", kSecret, kSecret},
       "webhook github: forbidden: no webhook secret is configured for github (capstan accepts "
       "only signed webhooks)"},
      {"GitLab token missing", WithHeader(GitLabPush(), "x-gitlab-token", ""), AllSecrets(),
       "webhook gitlab: forbidden: X-Gitlab-Token header is missing"},
      {"GitLab token wrong", WithHeader(GitLabPush(), "x-gitlab-token", "guess"), AllSecrets(),
       "webhook gitlab: forbidden: X-Gitlab-Token does not match the configured secret token"},
      {"GitLab token is a prefix of the secret",
       WithHeader(GitLabPush(), "x-gitlab-token", std::string(kSecret).substr(0, 5)), AllSecrets(),
       "webhook gitlab: forbidden: X-Gitlab-Token does not match the configured secret token"},
      {"GitLab headers with GitHub's signature",
       WithHeader(WithHeader(GitHubPush(), "X-GitHub-Event", ""), "X-Gitlab-Event", "Push Hook"),
       AllSecrets(), "webhook gitlab: forbidden: X-Gitlab-Token header is missing"},
      {"Gitea without any signature",
       WithHeader(WithHeader(GiteaPush(), "X-Gitea-Signature", ""), "X-Hub-Signature-256", ""),
       AllSecrets(), "webhook gitea: forbidden: X-Gitea-Signature header is missing"},
      {"Gitea signature with a sha256= prefix",
       WithHeader(GiteaPush(), "X-Gitea-Signature", "sha256=" + SignatureOf("gitea_push.json")),
       AllSecrets(), "webhook gitea: forbidden: X-Gitea-Signature is not <64 hex digits>"},
      {"unsigned allowed, but a secret is configured",
       WithHeader(GitHubPush(), "X-Hub-Signature-256", ""),
       {kSecret, "", "", /*allow_unsigned=*/true},
       "webhook github: forbidden: X-Hub-Signature-256 header is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<PushEvent> push = ParseWebhook(c.request, c.secrets);
    ASSERT_FALSE(push.ok());
    EXPECT_EQ(push.error().code(), ErrorCode::kInvalid);
    EXPECT_TRUE(IsForbidden(push.error()));
    EXPECT_EQ(push.error().message(), c.message);
    EXPECT_EQ(push.error().message().find(kSecret), std::string::npos);
    EXPECT_EQ(push.error().message().find(good), std::string::npos);
  }
  // Hex digits in either case are the same signature.
  EXPECT_TRUE(
      ParseWebhook(WithHeader(GitHubPush(), "X-Hub-Signature-256", "sha256=" + upper), AllSecrets())
          .ok());
}

TEST(WebhookTest, UnsignedOnlyWhenAllowedAndNoSecretIsConfigured) {
  WebhookRequest request = WithHeader(GitHubPush(), "X-Hub-Signature-256", "");
  Result<PushEvent> push = ParseWebhook(request, {"", "", "", /*allow_unsigned=*/true});
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->branch, "main");
}

TEST(WebhookTest, VerifiedEventsThatAreNotPushesAreNotFound) {
  WebhookRequest ping{{{"X-GitHub-Event", "ping"},
                       {"X-Hub-Signature-256", "sha256=" + SignatureOf("github_ping.json")}},
                      ReadFixture("github_ping.json")};
  Result<PushEvent> push = ParseWebhook(ping, AllSecrets());
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(push.error().message(), "webhook github: event \"ping\" is not a push; nothing to do");

  // An unsigned ping is refused before anything else is said about it.
  push = ParseWebhook(WithHeader(ping, "X-Hub-Signature-256", ""), AllSecrets());
  EXPECT_TRUE(!push.ok() && IsForbidden(push.error()));

  WebhookRequest merge = WithHeader(GitLabPush(), "x-gitlab-event", "Merge Request Hook");
  push = ParseWebhook(merge, AllSecrets());
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error().code(), ErrorCode::kNotFound);
}

TEST(WebhookTest, OversizeBodiesAreRefusedBeforeAnythingElse) {
  WebhookRequest request = GitLabPush();
  request.body.append(kMaxWebhookBodyBytes, ' ');
  Result<PushEvent> push = ParseWebhook(request, AllSecrets());
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error().code(), ErrorCode::kInvalid);
  EXPECT_FALSE(IsForbidden(push.error()));
  EXPECT_EQ(push.error().message(), "webhook gitlab: body of " +
                                        std::to_string(request.body.size()) +
                                        " bytes is over the limit of 1048576 bytes");
}

TEST(WebhookTest, MalformedPayloadsSayWhatIsWrong) {
  struct Case {
    const char* name;
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"not JSON", "ref=refs/heads/main", "webhook gitlab: payload is not valid JSON: body:1:"},
      {"truncated", R"({"ref": "refs/heads/main", "after": )",
       "webhook gitlab: payload is not valid JSON: body:1:"},
      {"an array", R"([1, 2])", "webhook gitlab: payload: expected a JSON object"},
      {"form-encoded", "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D",
       "webhook gitlab: payload is form-encoded; set the webhook's content type to "
       "application/json"},
      {"no ref", R"({"after": "abc", "repository": {"url": "https://x/y"}})",
       "webhook gitlab: payload: field ref is missing"},
      {"ref not a string", R"({"ref": 7, "after": "abc"})",
       "webhook gitlab: payload: field ref: expected a string, got int"},
      {"no after", R"({"ref": "refs/heads/main", "repository": {"url": "https://x/y"}})",
       "webhook gitlab: payload: field after is missing"},
      {"no repository", R"({"ref": "refs/heads/main", "after": "abc", "before": "def"})",
       "webhook gitlab: payload: field repository names no repository URL"},
      {"commits not a list",
       R"({"ref": "refs/heads/main", "after": "abc", "repository": {"url": "https://x/y"},
           "commits": {"added": ["a"]}})",
       "webhook gitlab: payload: field commits: expected an array, got map"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WebhookRequest request{{{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}}, c.body};
    Result<PushEvent> push = ParseWebhook(request, AllSecrets());
    ASSERT_FALSE(push.ok());
    EXPECT_EQ(push.error().code(), ErrorCode::kInvalid);
    EXPECT_FALSE(IsForbidden(push.error()));
    EXPECT_EQ(push.error().message().substr(0, c.message.size()), c.message)
        << push.error().message();
  }
}

TEST(WebhookTest, DeletedBranch) {
  WebhookRequest request{{{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}},
                         R"({"ref": "refs/heads/feature/x",
                             "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
                             "after": "0000000000000000000000000000000000000000",
                             "repository": {"git_http_url": "https://gitlab.example.com/a/b.git"},
                             "commits": [], "total_commits_count": 0})"};
  Result<PushEvent> push = ParseWebhook(request, AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_TRUE(push->deleted);
  EXPECT_EQ(push->branch, "feature/x");
}

TEST(WebhookTest, ChangedFilesAreBounded) {
  std::string body = R"({"ref": "refs/heads/main", "before": "1", "after": "2",
                         "repository": {"clone_url": "https://x.example/a/b.git"},
                         "commits": [{"added": [)";
  for (size_t i = 0; i < kMaxChangedFiles + 10; ++i) {
    body += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  }
  body += "]}]}";
  WebhookRequest request{{{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}}, body};
  Result<PushEvent> push = ParseWebhook(request, AllSecrets());
  ASSERT_TRUE(push.ok()) << push.error().message();
  EXPECT_EQ(push->changed_files.size(), kMaxChangedFiles);
  EXPECT_FALSE(push->changed_files_complete);
}

TEST(RepoUrlTest, Normalizes) {
  struct Case {
    const char* url;
    const char* normalized;
  };
  const Case cases[] = {
      {"https://github.com/org/repo", "https://github.com/org/repo"},
      {"  HTTPS://GitHub.com/Org/Repo.git/ ", "https://github.com/org/repo"},
      {"https://github.com/org/repo/", "https://github.com/org/repo"},
      {"https://user:token@github.com/org/repo.git", "https://github.com/org/repo"},
      {"https://github.com:443/org/repo", "https://github.com/org/repo"},
      {"http://gitea.local:80/org/repo", "http://gitea.local/org/repo"},
      {"https://git.example.org:3000/org/repo", "https://git.example.org:3000/org/repo"},
      {"git@github.com:org/repo.git", "ssh://git@github.com/org/repo"},
      {"git@github.com:/org/repo.git", "ssh://git@github.com/org/repo"},
      {"ssh://git@github.com:22/org/repo.git", "ssh://git@github.com/org/repo"},
      {"ssh://git@git.example.org:2222/org/repo", "ssh://git@git.example.org:2222/org/repo"},
      {"git+ssh://git@github.com/org/repo", "ssh://git@github.com/org/repo"},
      {"ssh://git:secret@host/org/repo", "ssh://git@host/org/repo"},
      {"git://github.com/org/repo.git", "git://github.com/org/repo"},
      {"https://gitlab.example.com/group/sub/repo.git",
       "https://gitlab.example.com/group/sub/repo"},
      {"/srv/git/repo.git", "/srv/git/repo"},
      {"https://github.com/org/repo.git.git/.git/", "https://github.com/org/repo"},
      // Found by webhook_fuzz: white space before the colon once survived the first pass.
      {"git@host :", "ssh://git@host"},
      {"https://host :443", "https://host"},
      {"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(NormalizeRepoUrl(c.url), c.normalized);
    EXPECT_EQ(NormalizeRepoUrl(c.normalized), c.normalized) << "normalising twice changes it";
  }
}

TEST(RepoUrlTest, Matches) {
  EXPECT_TRUE(RepoUrlMatches("https://GitHub.com/org/repo.git/", "https://github.com/org/repo"));
  EXPECT_TRUE(RepoUrlMatches("git@github.com:org/repo.git", "ssh://git@github.com/org/repo"));
  EXPECT_FALSE(RepoUrlMatches("https://github.com/org/repo", "git@github.com:org/repo"));
  EXPECT_FALSE(RepoUrlMatches("https://github.com/org/repo", "https://github.com/org/repo2"));
  EXPECT_FALSE(RepoUrlMatches("https://github.com/org/repo", "https://gitlab.com/org/repo"));
  EXPECT_FALSE(RepoUrlMatches("", ""));
}

}  // namespace
}  // namespace capstan::source
