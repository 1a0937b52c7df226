#!/bin/bash
# `npm run bench`: every benchmark, each reporting ratios against a baseline measured in the same run.
# The Slurm benchmark needs the test cluster (root): what of it is not running yet is started here and stopped after.
set -euo pipefail
cd "$(dirname "$0")/../.."
run() { echo; echo "== $*"; node --import tsx "$@"; }
run test/bench/hash.bench.ts
run test/bench/pool.bench.ts
run test/bench/cached-rerun.bench.ts
if [ "$(id -u)" = 0 ]; then
  # Afterwards (also on failure or Ctrl-C) only the daemons this run started are stopped.
  kept=$(bash test/cluster/running.sh)
  trap '[ "${XPR_KEEP_CLUSTER:-}" = 1 ] || bash test/cluster/down.sh ${kept:+--keep "$kept"}' EXIT
  bash test/cluster/up.sh --only ssh,slurm
  # shellcheck disable=SC1091
  . "${XPR_CLUSTER_DIR:-/tmp/xpr-cluster}/env.sh"
  run test/bench/slurm-200.bench.ts "${XPR_BENCH_JOBS:-200}"
else
  echo "== slurm-200 benchmark skipped: the test cluster needs root" >&2
fi
