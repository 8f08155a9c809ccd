// Telling providers apart and verifying signatures. The checks run before the body is
// parsed; comparisons of secrets and signatures take the same time wherever they differ.
#include "source/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>
#include <optional>

#include "source/internal/webhook_payload.h"

namespace capstan::source {
namespace {

constexpr std::string_view kForbidden = "forbidden: ";
constexpr size_t kMaxDeliveryIdLength = 100;
using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Digest HmacSha256(std::string_view key, std::string_view body) {
  Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(), &length);
  return digest;
}

Digest Sha256(std::string_view bytes) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits as 32 bytes; nullopt for anything else.
std::optional<Digest> ParseHexDigest(std::string_view hex) {
  Digest digest{};
  if (hex.size() != 2 * digest.size()) return std::nullopt;
  for (size_t i = 0; i < digest.size(); ++i) {
    int high = HexDigit(hex[2 * i]);
    int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

bool SameDigest(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Error Forbidden(std::string_view why) {
  return Error::Invalid(std::string(kForbidden) + std::string(why));
}

// Checks an HMAC-SHA256 signature header: `prefix` then 64 hex digits.
Status CheckHmac(const WebhookRequest& request, std::string_view header, std::string_view prefix,
                 std::string_view secret) {
  const std::string* value = request.Header(header);
  if (value == nullptr) return Forbidden(std::string(header) + " header is missing");
  std::string_view text = *value;
  if (text.substr(0, prefix.size()) != prefix) {
    return Forbidden(std::string(header) + " is not " + std::string(prefix) + "<64 hex digits>");
  }
  std::optional<Digest> given = ParseHexDigest(text.substr(prefix.size()));
  if (!given) {
    return Forbidden(std::string(header) + " is not " + std::string(prefix) + "<64 hex digits>");
  }
  if (!SameDigest(*given, HmacSha256(secret, request.body))) {
    return Forbidden(std::string(header) +
                     " does not match the body (a different secret, or the body was changed)");
  }
  return OkStatus();
}

// GitLab sends the secret itself. Comparing digests of both keeps the comparison constant-time
// whatever the lengths.
Status CheckToken(const WebhookRequest& request, std::string_view secret) {
  const std::string* token = request.Header("X-Gitlab-Token");
  if (token == nullptr) return Forbidden("X-Gitlab-Token header is missing");
  if (!SameDigest(Sha256(*token), Sha256(secret))) {
    return Forbidden("X-Gitlab-Token does not match the configured secret token");
  }
  return OkStatus();
}

struct Detected {
  WebhookProvider provider;
  std::string event;
};

Result<Detected> DetectProvider(const WebhookRequest& request) {
  // Gitea and Forgejo also send X-GitHub-Event, so their own header is looked at first.
  if (const std::string* event = request.Header("X-Gitea-Event")) {
    return Detected{WebhookProvider::kGitea, *event};
  }
  if (const std::string* event = request.Header("X-Gitlab-Event")) {
    return Detected{WebhookProvider::kGitLab, *event};
  }
  if (const std::string* event = request.Header("X-GitHub-Event")) {
    return Detected{WebhookProvider::kGitHub, *event};
  }
  return Error::Invalid(
      "webhook: forbidden: no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header; "
      "only GitHub, GitLab and Gitea push webhooks are accepted");
}

const std::string& SecretFor(WebhookProvider provider, const WebhookSecrets& secrets) {
  switch (provider) {
    case WebhookProvider::kGitHub:
      return secrets.github;
    case WebhookProvider::kGitLab:
      return secrets.gitlab;
    case WebhookProvider::kGitea:
      return secrets.gitea;
  }
  return secrets.github;
}

Status Verify(WebhookProvider provider, const WebhookRequest& request,
              const WebhookSecrets& secrets) {
  const std::string& secret = SecretFor(provider, secrets);
  if (secret.empty()) {
    if (secrets.allow_unsigned) return OkStatus();
    return Forbidden("no webhook secret is configured for " + std::string(ProviderName(provider)) +
                     " (capstan accepts only signed webhooks)");
  }
  switch (provider) {
    case WebhookProvider::kGitHub:
      return CheckHmac(request, "X-Hub-Signature-256", "sha256=", secret);
    case WebhookProvider::kGitLab:
      return CheckToken(request, secret);
    case WebhookProvider::kGitea:
      if (request.Header("X-Gitea-Signature") != nullptr) {
        return CheckHmac(request, "X-Gitea-Signature", "", secret);
      }
      if (request.Header("X-Hub-Signature-256") != nullptr) {
        return CheckHmac(request, "X-Hub-Signature-256", "sha256=", secret);
      }
      return Forbidden("X-Gitea-Signature header is missing");
  }
  return Forbidden("unknown provider");
}

bool IsPush(WebhookProvider provider, std::string_view event) {
  if (provider == WebhookProvider::kGitLab) {
    return event == "Push Hook" || event == "Tag Push Hook";
  }
  return event == "push";
}

// At most `max` printable ASCII characters of untrusted `text`, for messages and logs.
std::string Printable(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) out += c;
  }
  return out;
}

// The delivery id each provider sends, for matching a log line to the provider's UI.
std::string DeliveryId(WebhookProvider provider, const WebhookRequest& request) {
  const char* header = provider == WebhookProvider::kGitHub   ? "X-GitHub-Delivery"
                       : provider == WebhookProvider::kGitLab ? "X-Gitlab-Event-UUID"
                                                              : "X-Gitea-Delivery";
  const std::string* value = request.Header(header);
  // Bounded and printable only: it goes into log lines.
  return value == nullptr ? std::string() : Printable(*value, kMaxDeliveryIdLength);
}

}  // namespace

const std::string* WebhookRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

std::string_view ProviderName(WebhookProvider provider) {
  switch (provider) {
    case WebhookProvider::kGitHub:
      return "github";
    case WebhookProvider::kGitLab:
      return "gitlab";
    case WebhookProvider::kGitea:
      return "gitea";
  }
  return "unknown";
}

bool IsForbidden(const Error& error) {
  return error.code() == ErrorCode::kInvalid &&
         error.message().find(": forbidden: ") != std::string::npos &&
         error.message().rfind("webhook", 0) == 0;
}

Result<PushEvent> ParseWebhook(const WebhookRequest& request, const WebhookSecrets& secrets) {
  Result<Detected> detected = DetectProvider(request);
  if (!detected.ok()) return std::move(detected).error();
  std::string context = "webhook " + std::string(ProviderName(detected->provider));
  if (request.body.size() > kMaxWebhookBodyBytes) {
    return Error::Invalid(context + ": body of " + std::to_string(request.body.size()) +
                          " bytes is over the limit of " + std::to_string(kMaxWebhookBodyBytes) +
                          " bytes");
  }
  Status verified = Verify(detected->provider, request, secrets);
  if (!verified.ok()) return std::move(verified).error().Wrap(context);
  if (!IsPush(detected->provider, detected->event)) {
    std::string event = Printable(detected->event, kMaxDeliveryIdLength);
    return Error::NotFound(context + ": event \"" + event + "\" is not a push; nothing to do");
  }
  Result<PushEvent> push = internal::ReadPushPayload(detected->provider, request.body);
  if (!push.ok()) return std::move(push).error().Wrap(context);
  push->delivery = DeliveryId(detected->provider, request);
  return push;
}

}  // namespace capstan::source
