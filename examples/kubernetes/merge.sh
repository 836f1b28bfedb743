#!/bin/sh
# Collects every pod's result of the cbench-load Job (load-job.yaml) and merges them into the
# whole run's figures. Run it where kubectl reaches the cluster and `npx cbench` runs.
set -eu
dir=$(mktemp -d)
for pod in $(kubectl get pods -l job-name=cbench-load -o name); do
  file="$dir/${pod#pod/}.json"
  kubectl logs "$pod" | sed -n '/^CBENCH-SAMPLE-BEGIN$/,/^CBENCH-SAMPLE-END$/p' | sed '1d;$d' >"$file"
  # A pod that failed printed no sample: say which, rather than merge an empty file.
  if [ ! -s "$file" ]; then
    echo "$pod printed no sample (kubectl logs $pod): its segment is missing" >&2
    exit 1
  fi
done
npx cbench merge "$dir"/*.json
