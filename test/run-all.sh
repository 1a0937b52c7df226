#!/bin/bash
# `npm test`: the whole suite. Type check and unit tests; then the loopback test cluster (sshd + Slurm + SGE,
# test/cluster/up.sh) is started, the integration tests run through it, and what this run started is stopped again.
# A cluster that cannot start FAILS the run (no silent skip), and so does any skipped or todo test.
# XPR_TEST_NO_CLUSTER=1 (never set in CI) runs only the tests that need no cluster.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
AVA="node_modules/.bin/ava"
failed=0
passed_total=0 failed_total=0 skipped_total=0
log=$(mktemp)

run_ava() { # label, ava args...
  local label=$1; shift
  echo "== $label"
  "$AVA" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f s
  # passes are counted even when a test failed (ava's summary then omits them); skipped, todo and known-failure
  # tests are counted and fail the run: nothing is allowed to pass by not running
  read -r p f s < <(bash test/ava-summary.sh "$log")
  passed_total=$((passed_total + p)); failed_total=$((failed_total + f)); skipped_total=$((skipped_total + s))
  if [ "$s" != 0 ]; then failed=1; fi
  if [ "$rc" != 0 ]; then failed=1; [ "$f" != 0 ] || failed_total=$((failed_total + 1)); fi
}

echo "== type check (tsc -p test: src, cli and tests; also enforces the compile-time tests in test/unit/autopara/types.test.ts)"
if ! node_modules/.bin/tsc -p test; then failed=1; failed_total=$((failed_total + 1)); fi

# Some unit tests run Debian tools (shellcheck; zsh and fish for the completion scripts): installed here if missing
# (apt); if that fails, those tests fail with the reason.
echo "== shellcheck, zsh and fish for the unit tests (test/install-unit-tools.sh)"
bash test/install-unit-tools.sh || true

run_ava "unit tests" 'test/unit/**/*.test.ts'

# The dashboard's browser tests need Debian's chromium: installed here if missing (apt, never a browser download);
# if that fails, those tests fail with the reason.
echo "== chromium for the browser tests (test/browser/install-chromium.sh)"
bash test/browser/install-chromium.sh || echo "chromium could not be installed: the dashboard browser tests will fail" >&2

# At the end (or on Ctrl-C) only the daemons this run started are stopped: what was already running (another run,
# a benchmark, a developer's XPR_KEEP_CLUSTER=1) is left as it was.
started_cluster=0 kept=""
stop_cluster() {
  if [ "$started_cluster" = 1 ] && [ "${XPR_KEEP_CLUSTER:-}" != 1 ]; then
    echo "== stopping the test cluster${kept:+ (keeping $kept, running before this run)}"
    bash test/cluster/down.sh ${kept:+--keep "$kept"} || true
  fi
  started_cluster=0
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${XPR_TEST_NO_CLUSTER:-}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "== XPR_TEST_NO_CLUSTER=1: integration tests that need the cluster will fail with a message"
  run_ava "integration tests (no cluster)" --serial 'test/integration/**/*.test.ts'
else
  echo "== starting the test cluster (test/cluster/up.sh)"
  if [ "$(id -u)" != 0 ]; then
    echo "FAIL: the test cluster needs root (Slurm and Grid Engine daemons); run npm test as root, or set XPR_TEST_NO_CLUSTER=1 outside CI" >&2
    failed=1; failed_total=$((failed_total + 1))
  elif kept=$(bash test/cluster/running.sh) && started_cluster=1 && bash test/cluster/up.sh; then
    # shellcheck disable=SC1091
    . "${XPR_CLUSTER_DIR:-/tmp/xpr-cluster}/env.sh"
    run_ava "integration tests" --serial 'test/integration/**/*.test.ts'
  else
    echo "FAIL: the test cluster did not start (see the messages above); integration tests cannot run" >&2
    failed=1; failed_total=$((failed_total + 1))
  fi
fi

stop_cluster
rm -f "$log"
echo
skipped_note=""; [ "$skipped_total" = 0 ] || skipped_note=", ${skipped_total} skipped or todo (not allowed)"
echo "${passed_total} passed, ${failed_total} failed${skipped_note}"
exit $failed
