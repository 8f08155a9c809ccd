// Reading push payloads. GitHub and Gitea share one shape (Gitea copied GitHub's); GitLab
// names its repository under "project" and "repository" with other keys.
#include "source/internal/webhook_payload.h"

#include <algorithm>
#include <set>
#include <string>

#include "core/json.h"
#include "core/value.h"

namespace capstan::source::internal {
namespace {

// Keys under "repository" (and GitLab's "project") that hold a URL of the repository
// itself. Others, such as "owner.html_url" or "commits[].url", name something else.
constexpr std::string_view kUrlKeys[] = {
    "clone_url",    "ssh_url",     "html_url", "git_url",  "svn_url",  "url",          "mirror_url",
    "git_http_url", "git_ssh_url", "web_url",  "homepage", "http_url", "original_url",
};
constexpr std::string_view kZeroSha = "0000000000000000000000000000000000000000";

Result<std::string> RequiredString(const Value& payload, std::string_view field) {
  const Value* value = payload.Find(field);
  if (value == nullptr)
    return Error::Invalid("payload: field " + std::string(field) + " is missing");
  if (!value->is_string()) {
    return Error::Invalid("payload: field " + std::string(field) + ": expected a string, got " +
                          std::string(TypeName(value->type())));
  }
  return value->as_string();
}

void AddUrls(const Value* object, std::vector<std::string>& urls) {
  if (object == nullptr || !object->is_object()) return;
  for (std::string_view key : kUrlKeys) {
    const Value* value = object->Find(key);
    if (value == nullptr || !value->is_string()) continue;
    std::string url = NormalizeRepoUrl(value->as_string());
    if (url.empty() || std::find(urls.begin(), urls.end(), url) != urls.end()) continue;
    urls.push_back(std::move(url));
  }
}

// The paths of every listed commit; false when there were more than kMaxChangedFiles.
bool CollectFiles(const Value& commits, std::set<std::string>& files) {
  for (const Value& commit : commits.as_array()) {
    for (std::string_view list : {"added", "modified", "removed"}) {
      const Value* paths = commit.Find(list);
      if (paths == nullptr || !paths->is_array()) continue;
      for (const Value& path : paths->as_array()) {
        if (!path.is_string()) continue;
        if (files.size() >= kMaxChangedFiles && !files.count(path.as_string())) return false;
        files.insert(path.as_string());
      }
    }
  }
  return true;
}

// The number of commits the push had, when the payload says (GitLab, Gitea); -1 otherwise.
int64_t TotalCommits(const Value& payload) {
  for (std::string_view key : {"total_commits_count", "total_commits"}) {
    const Value* total = payload.Find(key);
    if (total != nullptr && total->is_int()) return total->as_int();
  }
  return -1;
}

}  // namespace

Result<PushEvent> ReadPushPayload(WebhookProvider provider, std::string_view body) {
  if (body.rfind("payload=", 0) == 0) {
    // GitHub and Gitea offer application/x-www-form-urlencoded too; the fix is a setting.
    return Error::Invalid(
        "payload is form-encoded; set the webhook's content type to application/json");
  }
  Result<Value> parsed = ParseJson(body, "body", kMaxWebhookBodyBytes);
  if (!parsed.ok()) return std::move(parsed).error().Wrap("payload is not valid JSON");
  const Value& payload = *parsed;
  if (!payload.is_object()) return Error::Invalid("payload: expected a JSON object");

  PushEvent push;
  push.provider = provider;
  Result<std::string> ref = RequiredString(payload, "ref");
  if (!ref.ok()) return std::move(ref).error();
  push.ref = *ref;
  Result<std::string> after = RequiredString(payload, "after");
  if (!after.ok()) return std::move(after).error();
  push.after = *after;
  if (const Value* before = payload.Find("before"); before != nullptr && before->is_string()) {
    push.before = before->as_string();
  }
  if (push.ref.rfind("refs/heads/", 0) == 0) {
    push.branch = push.ref.substr(std::string_view("refs/heads/").size());
  } else if (push.ref.rfind("refs/tags/", 0) == 0) {
    push.tag = push.ref.substr(std::string_view("refs/tags/").size());
  }
  const Value* deleted = payload.Find("deleted");
  push.deleted =
      (deleted != nullptr && deleted->is_bool() && deleted->as_bool()) || push.after == kZeroSha;

  AddUrls(payload.Find("repository"), push.repo_urls);
  AddUrls(payload.Find("project"), push.repo_urls);
  if (push.repo_urls.empty()) {
    return Error::Invalid("payload: field repository names no repository URL");
  }

  std::set<std::string> files;
  int64_t listed = 0;
  if (const Value* commits = payload.Find("commits"); commits != nullptr) {
    if (!commits->is_array()) {
      return Error::Invalid("payload: field commits: expected an array, got " +
                            std::string(TypeName(commits->type())));
    }
    push.changed_files_complete = CollectFiles(*commits, files);
    listed = static_cast<int64_t>(commits->size());
  }
  if (TotalCommits(payload) > listed) push.changed_files_complete = false;
  // A new ref's commits are listed against whatever the provider chose as its base, so its
  // list of files says nothing certain.
  if (push.before.empty() || push.before == kZeroSha) push.changed_files_complete = false;
  push.changed_files.assign(files.begin(), files.end());
  return push;
}

}  // namespace capstan::source::internal
