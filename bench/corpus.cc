#include "corpus.h"

#include <fmt/format.h>

namespace capstan::bench {

std::string ManifestStream(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += "---\n";
    switch (i % 3) {
      case 0:
        out += fmt::format(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: service-{0}
  namespace: team-{1}
  labels:
    app.kubernetes.io/name: service-{0}
    app.kubernetes.io/version: "1.{1}.0"
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: service-{0}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: service-{0}
    spec:
      containers:
      - name: app
        image: registry.example.com/service-{0}:1.{1}.0
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef: {{name: db-{0}, key: url}}
        - name: FEATURE_FLAGS
          value: "on"
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
        readinessProbe:
          httpGet: {{path: /ready, port: http}}
        livenessProbe:
          httpGet: {{path: /live, port: http}}
)",
                           i, i % 17);
        break;
      case 1:
        out += fmt::format(R"(apiVersion: v1
kind: Service
metadata:
  name: service-{0}
  namespace: team-{1}
spec:
  selector:
    app.kubernetes.io/name: service-{2}
  ports:
  - name: http
    port: 80
    targetPort: http
)",
                           i, (i - 1) % 17, i - 1);
        break;
      default:
        out += fmt::format(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{0}
  namespace: team-{1}
data:
  application.properties: |
    server.port=8080
    feature.x.enabled=true
    cache.ttl=300
  LOG_LEVEL: info
)",
                           i, i % 17);
    }
  }
  return out;
}

}  // namespace capstan::bench
