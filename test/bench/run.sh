#!/bin/bash
# `npm run bench`: every test/bench/*.bench.ts (found by name), each reporting ratios against a baseline measured in
# the same run. Those that use the test cluster (they read XPR_CLUSTER_* or import test/helpers/cluster.ts) run after
# the others: with the cluster env already sourced they use it as it is; otherwise, as root, what of the cluster is not
# running is started here and stopped after; without root they are skipped with a message.
#   bash test/bench/run.sh [--list]        XPR_BENCH_ONLY=<regex on the file name> runs a subset
# Sizes: XPR_BENCH_JOBS (Slurm job benches, default 200), XPR_BENCH_RTT_MS (wan-slurm, 50), XPR_BENCH_SCALE_MAX
# (scale: largest item count, 1e5; 1e6 adds the million-item case).
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t files < <(find test/bench -maxdepth 1 -name '*.bench.ts' | sort | grep -E -- "${XPR_BENCH_ONLY:-.}" || true)
plain=()
cluster=()
for f in "${files[@]}"; do
  if grep -qE 'XPR_CLUSTER_|helpers/cluster\.ts' "$f"; then cluster+=("$f"); else plain+=("$f"); fi
done
if [ "${1:-}" = --list ]; then
  for f in "${plain[@]}"; do echo "local:   $f"; done
  for f in "${cluster[@]}"; do echo "cluster: $f"; done
  exit 0
fi

# Extra arguments of a benchmark, from the environment.
args_of() {
  case "$(basename "$1")" in
    slurm-200.bench.ts) echo "${XPR_BENCH_JOBS:-200}" ;;
    autopara-slurm.bench.ts) echo "${XPR_BENCH_JOBS:-200}" ;;
    wan-slurm.bench.ts) echo "${XPR_BENCH_JOBS:-200} ${XPR_BENCH_RTT_MS:-50}" ;;
    scale.bench.ts) echo "${XPR_BENCH_SCALE_MAX:-1e5}" ;;
  esac
}
failed=()
run() {
  echo
  echo "== $1"
  # shellcheck disable=SC2046
  node --import tsx "$1" $(args_of "$1") || failed+=("$1")
}

for f in "${plain[@]}"; do run "$f"; done

if [ "${#cluster[@]}" -gt 0 ]; then
  if [ -n "${XPR_TEST_SSH_KEY:-}" ]; then
    for f in "${cluster[@]}"; do run "$f"; done
  elif [ "$(id -u)" = 0 ]; then
    parts=ssh,slurm
    if grep -qE 'XPR_CLUSTER_SGE|sge: true' "${cluster[@]}"; then parts+=,sge; fi
    # Afterwards (also on failure or Ctrl-C) only the daemons this run started are stopped.
    kept=$(bash test/cluster/running.sh)
    trap '[ "${XPR_KEEP_CLUSTER:-}" = 1 ] || bash test/cluster/down.sh ${kept:+--keep "$kept"}' EXIT
    bash test/cluster/up.sh --only "$parts"
    # shellcheck disable=SC1091
    . "${XPR_CLUSTER_DIR:-/tmp/xpr-cluster}/env.sh"
    for f in "${cluster[@]}"; do run "$f"; done
  else
    echo "== skipped (they need the test cluster, which needs root to start): ${cluster[*]}" >&2
  fi
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== failed: ${failed[*]}" >&2
  exit 1
fi
