// `capstan server` through fault_proxy (tests/support/fault_proxy.h): with a fifth of its
// API requests (watches included, at their start) answered 429 or 503 or reset, the server
// still applies a Git revision and reports the Application Synced and Healthy, and keeps it
// so. The control plane, repository and server come from gitops_fixture.h; the server's
// KUBECONFIG points at the proxy (DIR/kubeconfig with the server changed).
#include <fstream>
#include <sstream>

#include "fault_proxy.h"
#include "gitops_fixture.h"

namespace capstan::gitops_it {
namespace {

using capstan::testing::Fault;
using capstan::testing::FaultProxy;

TEST_F(GitOps, AnApplicationStaysSyncedThroughAFlakyApiServer) {
  std::ifstream in(cluster_->dir() / "kubeconfig");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  size_t at = yaml.find("https://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << "no server URL in DIR/kubeconfig";
  size_t end = yaml.find_first_not_of("0123456789", at + 18);
  int upstream_port = std::stoi(yaml.substr(at + 18, end - at - 18));

  FaultProxy::Options options;
  options.upstream_port = upstream_port;
  options.cert_file = (cluster_->dir() / "pki" / "apiserver.crt").string();
  options.key_file = (cluster_->dir() / "pki" / "apiserver.key").string();
  options.faults = {.status_429 = 0.07, .status_503 = 0.07, .reset = 0.06};
  options.max_consecutive_faults = 2;  // below the client's 5 attempts
  auto proxy = FaultProxy::Start(options);
  ASSERT_TRUE(proxy.ok()) << proxy.error().message();
  yaml.replace(at, end - at, (*proxy)->url());
  fs::path kubeconfig = dir_.path() / "kubeconfig-proxy";
  std::ofstream(kubeconfig) << yaml;

  std::string sha = repo_->Head();
  auto server = StartServer({AppSpec("guestbook", "guestbook", "e2e-faults")}, {},
                            {"KUBECONFIG=" + kubeconfig.string()});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("guestbook", sha)) << StandinLog();
  // Still Synced a while later, with faults still being injected.
  int injected = (*proxy)->Injected();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  Value app = server->Get("guestbook");
  EXPECT_EQ(Str(app, {"status", "sync", "status"}), "Synced") << EmitJson(app, 2);
  EXPECT_EQ(Str(app, {"status", "health", "status"}), "Healthy") << EmitJson(app, 2);
  EXPECT_GT(injected, 0);
  EXPECT_GE((*proxy)->Injected(), injected);
  EXPECT_GT((*proxy)->Count(Fault::kReset), 0);
}

}  // namespace
}  // namespace capstan::gitops_it
