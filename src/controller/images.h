// The container images a set of objects deploys (status.summary.images, history).
#pragma once

#include <string>
#include <vector>

#include "core/object.h"

namespace capstan::controller {

// Every distinct image of init and regular containers in pod templates (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, and any custom resource with a
// spec.template.spec), sorted.
std::vector<std::string> ImagesOf(const std::vector<Manifest>& objects);

}  // namespace capstan::controller
