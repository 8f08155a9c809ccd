#!/usr/bin/env bash
# Regenerates every <case>/want.yaml with the real kustomize: target.yaml patched by the
# case's ops.yaml through `patches:` with a target. Review the diff before committing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kustomize="${KUSTOMIZE:-kustomize}"
for dir in "$here"/*/; do
  work="$(mktemp -d)"
  cp "$here/target.yaml" "$dir/ops.yaml" "$work/"
  cat > "$work/kustomization.yaml" <<KUST
resources: [target.yaml]
patches:
- path: ops.yaml
  target: {kind: Deployment, name: web}
KUST
  "$kustomize" build "$work" > "$dir/want.yaml"
  rm -rf "$work"
done
