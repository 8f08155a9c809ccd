// libFuzzer target: any body, from any provider, must verify and parse or fail with an
// error; never crash, hang or read out of bounds. The body is signed with the fixed secret
// so that fuzzing reaches the payload reader, not only the signature check; the first byte
// picks the provider.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "source/webhook.h"

namespace {

constexpr char kSecret[] = "fuzz-secret";

std::string HexHmac(const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret, sizeof kSecret - 1,
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  std::string hex;
  char pair[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  capstan::source::WebhookRequest request;
  request.body = body;
  switch (data[0] % 3) {
    case 0:
      request.headers = {{"X-GitHub-Event", "push"},
                         {"X-Hub-Signature-256", "sha256=" + HexHmac(body)}};
      break;
    case 1:
      request.headers = {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}};
      break;
    default:
      request.headers = {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", HexHmac(body)}};
      break;
  }
  capstan::source::WebhookSecrets secrets{kSecret, kSecret, kSecret};
  auto push = capstan::source::ParseWebhook(request, secrets);
  if (push.ok()) {
    // What a verified push yields is bounded and matches its own URLs.
    if (push->changed_files.size() > capstan::source::kMaxChangedFiles) std::abort();
    for (const std::string& url : push->repo_urls) {
      if (!push->MatchesRepo(url)) std::abort();
    }
  } else if (capstan::source::IsForbidden(push.error())) {
    std::abort();  // a correctly signed request was refused
  }
  for (const std::string& text : {body.substr(0, 200)}) {
    std::string once = capstan::source::NormalizeRepoUrl(text);
    if (capstan::source::NormalizeRepoUrl(once) != once) std::abort();  // idempotent
  }
  return 0;
}
