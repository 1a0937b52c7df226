#!/bin/bash
# Installs Debian's chromium for the browser tests (test/integration/dashboard.test.ts) when it is missing, as
# test/cluster/up.sh installs the cluster's packages. Never downloads a browser build of its own. Needs root.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing and installing it needs root: apt-get install -y chromium" >&2
  exit 1
fi
log=$(mktemp)
apt-get update -q >"$log" 2>&1 || echo "apt-get update failed; trying the install anyway" >&2
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >>"$log" 2>&1; then
  tail -20 "$log" >&2
  echo "apt-get install chromium failed" >&2
  exit 1
fi
rm -f "$log"
