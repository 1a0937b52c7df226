#!/bin/bash
# Installs Debian's chromium for the browser tests (test/integration/dashboard.test.ts) when it is missing. Never
# downloads a browser build of its own. Needs root.
exec bash "$(dirname "$0")/../install-debian-package.sh" chromium /usr/bin/chromium
