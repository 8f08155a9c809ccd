// kubeconfig: which cluster to talk to and how to prove who we are, read from a kubeconfig
// file (the format kubectl reads, `apiVersion: v1, kind: Config`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace capstan::target::kube {

// Everything needed to reach one cluster as one user, resolved from one context. File
// references (certificate-authority, client-certificate, client-key, tokenFile) are read
// at load time, relative to the kubeconfig's folder, so this holds bytes, not paths.
// Holds secrets: never log or print token, password or client_key_pem.
struct KubeConfig {
  std::string source;   // the kubeconfig's path, for messages
  std::string context;  // the context's name
  std::string cluster;  // the cluster's name
  std::string server;   // "https://127.0.0.1:6443", without a trailing '/'
  std::string ns;       // the context's namespace; empty when it names none
  // Cluster TLS.
  std::string ca_pem;  // certificate-authority(-data); empty: the system's CAs
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // name to verify the server's certificate against
  // User credentials; any combination may be empty.
  std::string token;            // bearer token (token, or the contents of tokenFile)
  std::string client_cert_pem;  // client-certificate(-data)
  std::string client_key_pem;   // client-key(-data)
  std::string username;         // basic auth
  std::string password;
};

// Reads `path` and resolves `context` (empty: the file's current-context). Errors name
// the file and field: NotFound when the file, the context, its cluster or user, or a
// referenced file is missing; Invalid when the YAML or a field is malformed (bad base64,
// no server). Secret values never appear in messages.
Result<KubeConfig> LoadKubeConfig(const std::filesystem::path& path,
                                  const std::string& context = "");

// The same from text already read; relative file references resolve against `dir`.
Result<KubeConfig> ParseKubeConfig(const std::string& text, const std::string& source,
                                   const std::filesystem::path& dir,
                                   const std::string& context = "");

// The names of the contexts in `path`, in file order (each is one cluster capstan can
// deploy to).
Result<std::vector<std::string>> ListContexts(const std::filesystem::path& path);

}  // namespace capstan::target::kube
