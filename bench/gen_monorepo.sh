#!/usr/bin/env bash
# Writes a synthetic monorepo to DIR: one Kustomize base per service (Deployment, Service,
# ConfigMap generator, HPA) and dev/staging/prod overlays on top of all of them, the shape
# Argo CD users report as slow to render.
#   bench/gen_monorepo.sh DIR [SERVICES]   (default 100 services)
set -euo pipefail
dir=$1
services=${2:-100}
rm -rf "$dir"
mkdir -p "$dir/services" "$dir/overlays"
for i in $(seq 1 "$services"); do
  s="svc$i"
  mkdir -p "$dir/services/$s"
  cat >"$dir/services/$s/deployment.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $s
  labels: {app.kubernetes.io/name: $s, app.kubernetes.io/version: "1.$i.0"}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: $s}
  template:
    metadata:
      labels: {app.kubernetes.io/name: $s}
    spec:
      serviceAccountName: $s
      containers:
      - name: app
        image: registry.example.com/$s:1.$i.0
        envFrom: [{configMapRef: {name: $s-config}}]
        ports: [{containerPort: 8080, name: http}]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /live, port: http}}
YAML
  cat >"$dir/services/$s/service.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: $s}
spec:
  selector: {app.kubernetes.io/name: $s}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: $s}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: $s}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: $s}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
YAML
  cat >"$dir/services/$s/kustomization.yaml" <<YAML
resources: [deployment.yaml, service.yaml]
configMapGenerator:
- name: $s-config
  literals: [LOG_LEVEL=info, SERVICE=$s]
YAML
done
for env in dev staging prod; do
  mkdir -p "$dir/overlays/$env"
  {
    echo "namespace: $env"
    echo "namePrefix: $env-"
    echo "commonLabels: {environment: $env}"
    echo "images:"
    for i in $(seq 1 "$services"); do echo "- {name: registry.example.com/svc$i, newTag: 1.$i.1-$env}"; done
    echo "resources:"
    for i in $(seq 1 "$services"); do echo "- ../../services/svc$i"; done
  } >"$dir/overlays/$env/kustomization.yaml"
done
