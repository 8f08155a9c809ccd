// Repository URL normalisation for matching webhook payloads to Applications.
#include <algorithm>
#include <cctype>
#include <string>

#include "source/webhook.h"

namespace capstan::source {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StripSuffix(std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  s.resize(s.size() - suffix.size());
  return true;
}

// Removes any run of trailing "/", ".git" and white space ("repo.git/" and "repo/.git/" are
// "repo"), all at once so that normalising a normalised URL changes nothing.
void StripRepoSuffixes(std::string& s) {
  while (true) {
    if (!s.empty() && (s.back() == '/' || std::isspace(static_cast<unsigned char>(s.back())))) {
      s.pop_back();
    } else if (!StripSuffix(s, ".git")) {
      return;
    }
  }
}

// The port a scheme uses when none is written; "" for unknown schemes.
std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "https") return "443";
  if (scheme == "http") return "80";
  if (scheme == "ssh") return "22";
  if (scheme == "git") return "9418";
  return "";
}

// "git@host:org/repo" (scp-like syntax: a colon before any slash) as "ssh://git@host/org/repo".
std::string FromScpStyle(std::string_view s) {
  size_t colon = s.find(':');
  size_t slash = s.find('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
    return std::string(s);  // a local path
  }
  std::string_view path = s.substr(colon + 1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return "ssh://" + std::string(s.substr(0, colon)) + "/" + std::string(path);
}

}  // namespace

std::string NormalizeRepoUrl(std::string_view url) {
  std::string s(Trim(url));
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s.find("://") == std::string::npos) s = FromScpStyle(s);
  size_t scheme_end = s.find("://");
  if (scheme_end == std::string::npos) {  // a local path
    StripRepoSuffixes(s);
    return s;
  }
  std::string scheme = s.substr(0, scheme_end);
  if (scheme == "git+ssh" || scheme == "ssh+git") scheme = "ssh";
  std::string rest = s.substr(scheme_end + 3);
  size_t path_start = std::min(rest.find('/'), rest.size());
  std::string authority = rest.substr(0, path_start);
  std::string path = rest.substr(path_start);
  StripRepoSuffixes(path);

  std::string user;
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    user = authority.substr(0, std::min(authority.find(':'), at));
    authority = authority.substr(at + 1);
  }
  // Credentials never identify an http(s) repository (and must not be kept in a log line);
  // for ssh the user is part of the address ("git@").
  if (scheme == "http" || scheme == "https") user.clear();
  // White space can end the host only when the path is empty ("git@host :"); trimmed with
  // the default port until neither is left, so the result is its own normal form.
  std::string default_port = ":" + std::string(DefaultPort(scheme));
  while (true) {
    std::string trimmed(Trim(authority));
    bool changed = trimmed != authority;
    authority = std::move(trimmed);
    if (default_port.size() > 1 && StripSuffix(authority, default_port)) changed = true;
    if (!changed) break;
  }
  return scheme + "://" + (user.empty() ? "" : user + "@") + authority + path;
}

bool RepoUrlMatches(std::string_view a, std::string_view b) {
  std::string na = NormalizeRepoUrl(a);
  return !na.empty() && na == NormalizeRepoUrl(b);
}

bool PushEvent::MatchesRepo(std::string_view repo_url) const {
  std::string wanted = NormalizeRepoUrl(repo_url);
  if (wanted.empty()) return false;
  return std::find(repo_urls.begin(), repo_urls.end(), wanted) != repo_urls.end();
}

}  // namespace capstan::source
