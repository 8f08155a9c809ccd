// Where Applications come from: a folder of files, a Git repository of them (app of apps:
// a commit that adds an Application file deploys it), and Application objects in the
// cluster (as Argo CD keeps them). Re-read every poll interval; a read that fails keeps the
// Applications of the last good one, so a bad commit to the apps repository never removes
// every Application.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/application.h"
#include "controller/revisions.h"
#include "target/target.h"

namespace capstan::controller {

class KubeDestinations;

struct AppsSourceOptions {
  // A folder, or a Git repository URL; empty: none.
  std::string location;
  std::string revision = "HEAD";  // of the repository
  std::string path;               // folder inside the repository
  // Also read argoproj.io/v1alpha1 Application objects from the current cluster (all
  // namespaces). A cluster without Argo CD's CRD simply has none.
  bool from_cluster = true;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(10)};
};

class AppsSource {
 public:
  using Callback = std::function<void(std::vector<Application>)>;

  // `revisions` and `destinations` are not owned and must outlive this object;
  // `destinations` is null when there is no cluster to read Applications from.
  AppsSource(AppsSourceOptions options, Revisions& revisions, KubeDestinations* destinations,
             Callback on_change);
  ~AppsSource();

  // Reads once and hands the result to the callback. Errors name the file or object.
  Status LoadOnce();
  // Re-reads every poll interval on a thread of its own, calling back when the set changed.
  void Start();
  void Stop();

 private:
  Result<std::vector<Application>> Read();
  Result<std::vector<Application>> ReadCluster();

  const AppsSourceOptions options_;
  Revisions& revisions_;
  KubeDestinations* const destinations_;  // may be null
  Callback on_change_;
  std::string last_fingerprint_;  // only touched by LoadOnce's caller thread

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace capstan::controller
