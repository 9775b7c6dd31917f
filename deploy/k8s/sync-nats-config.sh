#!/usr/bin/env bash
# Keep deploy/k8s/nats/ identical to deploy/nats/ (kustomize cannot read files
# outside deploy/k8s). With --check, only compare and fail on a difference.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pairs=("$here/../nats/accounts.conf:$here/nats/accounts.conf"
       "$here/../nats/cluster/nats-cluster.conf:$here/nats/nats-cluster.conf"
       "$here/../nats/cluster/member.conf:$here/nats/member.conf"
       "$here/../nats/cluster/jetstream.conf:$here/nats/jetstream.conf")
status=0
for pair in "${pairs[@]}"; do
  src="${pair%%:*}"; dst="${pair#*:}"
  if [[ "${1:-}" == "--check" ]]; then
    cmp -s "$src" "$dst" || { echo "differs: $dst (run $0)" >&2; status=1; }
  else
    cp "$src" "$dst"
  fi
done
exit "$status"
