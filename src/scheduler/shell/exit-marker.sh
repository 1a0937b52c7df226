# The exit-code wrapper of src/scheduler/common.ts (withExitMarker; sh -c, args: the command): runs it with stderr
# folded into stdout, then prints its exit code on a line of its own after EXIT_MARKER (`xpr-rc=`).
# shellcheck shell=sh
"$@" 2>&1; printf '\nxpr-rc=%s\n' "$?"
