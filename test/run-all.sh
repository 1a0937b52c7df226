#!/bin/bash
# `npm test`: the whole suite. Unit tests; then the loopback test cluster (sshd + Slurm + SGE, test/cluster/up.sh)
# is started, the integration tests run through it, and it is stopped again. A cluster that cannot start FAILS the
# run (no silent skip). XPR_TEST_NO_CLUSTER=1 (never set in CI) runs only the tests that need no cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
AVA="node_modules/.bin/ava"
failed=0
passed_total=0 failed_total=0
log=$(mktemp)

run_ava() { # label, ava args...
  local label=$1; shift
  echo "== $label"
  "$AVA" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo '^ *[0-9]+ tests? passed' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -Eo '^ *[0-9]+ tests? failed' "$log" | grep -Eo '[0-9]+' | tail -1)
  passed_total=$((passed_total + ${p:-0})); failed_total=$((failed_total + ${f:-0}))
  if [ "$rc" != 0 ]; then failed=1; [ -n "$f" ] || failed_total=$((failed_total + 1)); fi
}

run_ava "unit tests" 'test/unit/**/*.test.ts'

started_cluster=0
if [ "${XPR_TEST_NO_CLUSTER:-}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "== XPR_TEST_NO_CLUSTER=1: integration tests that need the cluster will fail with a message"
  run_ava "integration tests (no cluster)" --serial 'test/integration/**/*.test.ts'
else
  echo "== starting the test cluster (test/cluster/up.sh)"
  if [ "$(id -u)" != 0 ]; then
    echo "FAIL: the test cluster needs root (Slurm and Grid Engine daemons); run npm test as root, or set XPR_TEST_NO_CLUSTER=1 outside CI" >&2
    failed=1; failed_total=$((failed_total + 1))
  elif bash test/cluster/up.sh; then
    started_cluster=1
    # shellcheck disable=SC1091
    . "${XPR_CLUSTER_DIR:-/tmp/xpr-cluster}/env.sh"
    run_ava "integration tests" --serial 'test/integration/**/*.test.ts'
  else
    echo "FAIL: the test cluster did not start (see the messages above); integration tests cannot run" >&2
    failed=1; failed_total=$((failed_total + 1))
  fi
fi

if [ "$started_cluster" = 1 ] && [ "${XPR_KEEP_CLUSTER:-}" != 1 ]; then
  echo "== stopping the test cluster"
  bash test/cluster/down.sh || true
fi
rm -f "$log"
echo
echo "${passed_total} passed, ${failed_total} failed"
exit $failed
