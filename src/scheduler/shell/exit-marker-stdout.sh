# The exit-code wrapper of src/scheduler/common.ts that leaves stderr alone (withExitMarker keepStderr; sh -c, args:
# the command), for JSON output stderr lines would corrupt; prints the exit code after EXIT_MARKER (`xpr-rc=`).
# shellcheck shell=sh
"$@"; printf '\nxpr-rc=%s\n' "$?"
