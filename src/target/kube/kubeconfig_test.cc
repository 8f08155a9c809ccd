#include "target/kube/kubeconfig.h"

#include <gtest/gtest.h>

namespace capstan::target::kube {
namespace {

const std::string kDir = "kube/testdata/kubeconfig/";

TEST(KubeConfig, CurrentContextWithTokenAndInsecureTls) {
  Result<KubeConfig> config = LoadKubeConfig(kDir + "inline.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->context, "dev");
  EXPECT_EQ(config->cluster, "dev");
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->token, "dev-token-value");
  EXPECT_EQ(config->ns, "");
  EXPECT_TRUE(config->ca_pem.empty());
}

TEST(KubeConfig, NamedContextWithInlineCertificates) {
  Result<KubeConfig> config = LoadKubeConfig(kDir + "inline.yaml", "prod");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->server, "https://prod.example.com:6443");  // trailing '/' dropped
  EXPECT_EQ(config->ns, "shop");
  EXPECT_EQ(config->ca_pem, "CA PEM\n");
  EXPECT_EQ(config->client_cert_pem, "CERT PEM\n");
  EXPECT_EQ(config->client_key_pem, "KEY PEM\n");
  EXPECT_EQ(config->tls_server_name, "kubernetes.default");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_TRUE(config->token.empty());
}

TEST(KubeConfig, FilesAreReadRelativeToTheKubeconfigFolder) {
  Result<KubeConfig> cert = LoadKubeConfig(kDir + "files.yaml");
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  EXPECT_EQ(cert->ca_pem, "CA FILE\n");
  EXPECT_EQ(cert->client_cert_pem, "CERT FILE\n");
  EXPECT_EQ(cert->client_key_pem, "KEY FILE\n");

  Result<KubeConfig> token = LoadKubeConfig(kDir + "files.yaml", "tokenfile");
  ASSERT_TRUE(token.ok()) << token.error().message();
  EXPECT_EQ(token->token, "file-token");  // the newline is not part of the token

  Result<KubeConfig> basic = LoadKubeConfig(kDir + "files.yaml", "basic");
  ASSERT_TRUE(basic.ok()) << basic.error().message();
  EXPECT_EQ(basic->username, "alice");
  EXPECT_EQ(basic->password, "secret-password");
}

TEST(KubeConfig, ListsContextsInFileOrder) {
  Result<std::vector<std::string>> names = ListContexts(kDir + "inline.yaml");
  ASSERT_TRUE(names.ok()) << names.error().message();
  EXPECT_EQ(*names, (std::vector<std::string>{"prod", "dev"}));
}

TEST(KubeConfig, ErrorsNameTheFileAndFieldAndNeverTheSecret) {
  struct Case {
    std::string file;
    std::string context;
    ErrorCode code;
    std::string message_part;
  };
  const Case cases[] = {
      {"bad.yaml", "noserver", ErrorCode::kInvalid, "clusters[noserver].cluster.server: missing"},
      {"bad.yaml", "badca", ErrorCode::kInvalid,
       "clusters[badca].cluster.certificate-authority-data: not valid base64"},
      {"bad.yaml", "missingca", ErrorCode::kNotFound,
       "clusters[missingca].cluster.certificate-authority"},
      {"bad.yaml", "halfcert", ErrorCode::kInvalid,
       "users[halfcert].user: client-certificate and client-key must be given together"},
      {"bad.yaml", "nouser", ErrorCode::kNotFound, "users: no entry named \"ghost\""},
      {"bad.yaml", "", ErrorCode::kNotFound, "current-context: not set"},
      {"files.yaml", "missing-cluster", ErrorCode::kNotFound,
       "clusters: no entry named \"nowhere\""},
      {"files.yaml", "nope", ErrorCode::kNotFound, "contexts: no entry named \"nope\""},
      {"absent.yaml", "", ErrorCode::kNotFound, "absent.yaml"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file + " " + c.context);
    Result<KubeConfig> config = LoadKubeConfig(kDir + c.file, c.context);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code(), c.code) << config.error().message();
    EXPECT_NE(config.error().message().find(c.message_part), std::string::npos)
        << config.error().message();
    EXPECT_NE(config.error().message().find(c.file), std::string::npos) << config.error().message();
    EXPECT_EQ(config.error().message().find("super-secret-token"), std::string::npos);
  }
}

}  // namespace
}  // namespace capstan::target::kube
