// The per-kind checks behind AssessHealth (one file each in src/health/). Each takes a
// live object of its kind and returns its health; none returns "no check".
#pragma once

#include "health/health.h"

namespace capstan::health::internal {

Health DeploymentHealth(const Value& live);
Health StatefulSetHealth(const Value& live);
Health DaemonSetHealth(const Value& live);
Health ReplicaSetHealth(const Value& live);
Health PodHealth(const Value& live);
Health JobHealth(const Value& live);
Health ServiceHealth(const Value& live);
Health IngressHealth(const Value& live);
Health PvcHealth(const Value& live);
Health HpaHealth(const Value& live);
Health CrdHealth(const Value& live);
Health NamespaceHealth(const Value& live);
Health ApiServiceHealth(const Value& live);
Health RolloutHealth(const Value& live);
Health AnalysisRunHealth(const Value& live);

}  // namespace capstan::health::internal
