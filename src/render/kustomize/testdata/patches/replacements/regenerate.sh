#!/usr/bin/env bash
# Regenerates every <case>/want.yaml with the real kustomize: the case's resources.yaml
# with its replacements.yaml as the kustomization's `replacements:`. Review the diff.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kustomize="${KUSTOMIZE:-kustomize}"
for dir in "$here"/*/; do
  work="$(mktemp -d)"
  cp "$dir/resources.yaml" "$work/"
  { echo "resources: [resources.yaml]"; echo "replacements:"; sed 's/^/  /' "$dir/replacements.yaml"; } \
    > "$work/kustomization.yaml"
  "$kustomize" build "$work" > "$dir/want.yaml"
  rm -rf "$work"
done
