#!/bin/sh
# Collects every pod's result of the cbench-load Job (load-job.yaml) and merges them into the
# whole run's figures. Run it where kubectl reaches the cluster and `npx cbench` runs.
set -eu
dir=$(mktemp -d)
for pod in $(kubectl get pods -l job-name=cbench-load -o name); do
  kubectl logs "$pod" | sed -n '/^CBENCH-SAMPLE-BEGIN$/,/^CBENCH-SAMPLE-END$/p' | sed '1d;$d' >"$dir/${pod#pod/}.json"
done
npx cbench merge "$dir"/*.json
