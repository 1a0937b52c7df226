#!/bin/bash
# Installs Debian's shellcheck for test/unit/system/shellcheck.test.ts (every .sh file under src/) when it is missing.
# Needs root.
exec bash "$(dirname "$0")/install-debian-package.sh" shellcheck shellcheck
