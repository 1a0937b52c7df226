#!/bin/bash
# Installs the Debian tools the unit tests run (shellcheck for test/unit/system/shellcheck.test.ts; zsh and fish for
# the completion scripts in test/unit/cli/completion.test.ts) when they are missing. Needs root; reports each failure.
rc=0
for tool in shellcheck zsh fish; do # each Debian package is named as its command
  bash "$(dirname "$0")/install-debian-package.sh" "$tool" "$tool" \
    || { echo "$tool could not be installed: the tests that run it will fail" >&2; rc=1; }
done
exit $rc
