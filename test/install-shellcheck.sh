#!/bin/bash
# Installs Debian's shellcheck for test/unit/system/shellcheck.test.ts (every .sh file under src/) when it is missing,
# as test/browser/install-chromium.sh installs chromium. Needs root.
set -euo pipefail
if command -v shellcheck >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "shellcheck is missing and installing it needs root: apt-get install -y shellcheck" >&2
  exit 1
fi
log=$(mktemp)
apt-get update -q >"$log" 2>&1 || echo "apt-get update failed; trying the install anyway" >&2
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends shellcheck >>"$log" 2>&1; then
  tail -20 "$log" >&2
  echo "apt-get install shellcheck failed" >&2
  exit 1
fi
rm -f "$log"
