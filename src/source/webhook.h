// Git push webhooks: verify that a request came from the Git server that holds the secret,
// and read which repository, ref and files a push changed. Pure functions on a request
// already read into memory; the HTTP server (POST /api/webhook) is elsewhere.
//
// Providers are told apart by their event header:
//   GitHub  X-GitHub-Event: push               X-Hub-Signature-256: sha256=<hex HMAC-SHA256>
//   GitLab  X-Gitlab-Event: Push Hook | Tag Push Hook   X-Gitlab-Token: <the secret itself>
//   Gitea   X-Gitea-Event: push   X-Gitea-Signature: <hex HMAC-SHA256> (or X-Hub-Signature-256)
// Gitea (and Forgejo) also send X-GitHub-Event; X-Gitea-Event wins. docs/webhooks.md says
// how to configure each.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace capstan::source {

// Largest body accepted. GitHub lists at most 20 commits per push, so a real push payload
// stays far below this; anything larger is refused before its signature is computed.
inline constexpr size_t kMaxWebhookBodyBytes = size_t{1} << 20;
// Most changed paths kept in a PushEvent; beyond it changed_files_complete is false.
inline constexpr size_t kMaxChangedFiles = 5000;

struct WebhookRequest {
  // As received; names are matched case-insensitively. The first of repeated names wins.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of header `name` (any case), or nullptr when absent.
  const std::string* Header(std::string_view name) const;
};

// The secret configured for each provider. An empty string means none configured.
// Never logged, never part of an error message.
struct WebhookSecrets {
  std::string github;
  std::string gitlab;
  std::string gitea;
  // Accept requests from a provider that has no secret configured, unverified. Default
  // false: capstan requires a secret, since anyone who can reach the endpoint could
  // otherwise trigger refreshes. A configured secret is always checked.
  bool allow_unsigned = false;
};

enum class WebhookProvider { kGitHub, kGitLab, kGitea };
std::string_view ProviderName(WebhookProvider provider);  // "github", "gitlab", "gitea"

struct PushEvent {
  WebhookProvider provider = WebhookProvider::kGitHub;
  std::string delivery;  // the provider's delivery id (X-GitHub-Delivery, ...), for logs
  // Every repository URL the payload names (clone, ssh, html, ...), normalised by
  // NormalizeRepoUrl, without duplicates, in the payload's order.
  std::vector<std::string> repo_urls;
  std::string ref;       // "refs/heads/main" or "refs/tags/v1.2.0"
  std::string branch;    // "main" when ref is a branch, else ""
  std::string tag;       // "v1.2.0" when ref is a tag, else ""
  std::string before;    // the SHA the ref pointed at before the push (zeros when created)
  std::string after;     // the SHA it points at now (zeros when deleted)
  bool deleted = false;  // the push deleted the ref
  // Paths added, modified or removed by the listed commits, sorted, without duplicates.
  std::vector<std::string> changed_files;
  // false when the payload did not list every commit (GitLab and Gitea report a total) or
  // there were more than kMaxChangedFiles paths: then treat every path as changed.
  bool changed_files_complete = true;

  // Whether `repo_url` (an Application's spec.source.repoURL) names this push's repository.
  bool MatchesRepo(std::string_view repo_url) const;
};

// Verifies `request` against the provider's secret, then reads the push it describes.
// The signature is checked before the body is parsed, so unauthenticated bodies are never
// parsed. Errors start with "webhook <provider>: " and are:
//   - Invalid "forbidden: ..." (see IsForbidden) when no provider header is known, the
//     provider has no secret and allow_unsigned is off, or the signature or token is
//     missing, malformed or wrong. The message names the header that failed, never the
//     secret or the expected signature.
//   - Invalid when the body is over kMaxWebhookBodyBytes, is not JSON, or lacks a field a
//     push must have (the message names the field).
//   - NotFound for a verified event that is not a push (GitHub's "ping", an issue event):
//     nothing to do, and the sender should be answered with success.
Result<PushEvent> ParseWebhook(const WebhookRequest& request, const WebhookSecrets& secrets);

// Whether `error` (from ParseWebhook) is an authentication failure, for the server to answer
// 403 Forbidden rather than 400 Bad Request.
bool IsForbidden(const Error& error);

// A repository URL in the form compared by RepoUrlMatches: trimmed and lower-cased (GitHub,
// GitLab and Gitea treat owner and repository names case-insensitively, as Argo CD does),
// scp-style "git@host:org/repo" written "ssh://git@host/org/repo", user and password
// dropped from http(s) URLs, default ports dropped (443, 80, 22, 9418), trailing "/" and
// ".git" removed. Returns "" for an empty URL.
std::string NormalizeRepoUrl(std::string_view url);

// Whether `a` and `b` name the same repository by the same protocol:
//   "https://GitHub.com/org/repo.git/" matches "https://github.com/org/repo";
//   "git@github.com:org/repo.git" matches "ssh://git@github.com/org/repo";
//   "https://github.com/org/repo" does not match "git@github.com:org/repo" (a push payload
//   names both, so either form of an Application's repoURL finds it).
// Empty URLs match nothing.
bool RepoUrlMatches(std::string_view a, std::string_view b);

}  // namespace capstan::source
