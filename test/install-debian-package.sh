#!/bin/bash
# Installs one Debian package with apt-get when the command it provides is missing (the test scripts' way of getting
# tools such as chromium and shellcheck; never a download of their own). Needs root. Usage: PACKAGE COMMAND
set -euo pipefail
pkg=$1 cmd=$2
if command -v "$cmd" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "$cmd is missing and installing it needs root: apt-get install -y $pkg" >&2
  exit 1
fi
log=$(mktemp)
apt-get update -q >"$log" 2>&1 || echo "apt-get update failed; trying the install anyway" >&2
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >>"$log" 2>&1; then
  tail -20 "$log" >&2
  echo "apt-get install $pkg failed" >&2
  exit 1
fi
rm -f "$log"
