#!/usr/bin/env bash
# Regenerates every <case>/want.yaml from the real kustomize: the case's target.yaml as the
# only resource, its patch.yaml applied through `patches:` with a target naming the
# object's kind and name. Run after adding a case; review the diff before committing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kustomize="${KUSTOMIZE:-kustomize}"
for dir in "$here"/*/; do
  work="$(mktemp -d)"
  cp "$dir/target.yaml" "$dir/patch.yaml" "$work/"
  kind="$(sed -n 's/^kind: //p' "$dir/target.yaml" | head -1)"
  name="$(sed -n 's/^  name: //p' "$dir/target.yaml" | head -1)"
  cat > "$work/kustomization.yaml" <<KUST
resources: [target.yaml]
patches:
- path: patch.yaml
  target: {kind: $kind, name: $name}
KUST
  "$kustomize" build "$work" > "$dir/want.yaml"
  rm -rf "$work"
done
