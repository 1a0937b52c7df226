# Helpers shared by the programs of src/system/shell-files.ts: running a list of argvs given as data (each argv as
# its length then its words, every word quoted by the driver), each announced by a marker line the driver parses.
# shellcheck shell=bash

# xpr_run_argvs MARKER COUNT [LEN WORD...]...: for each of COUNT argvs, prints "MARKER <k>" and runs it (stderr dropped).
xpr_run_argvs() {
  local marker=$1 n=$2 k=0 len
  shift 2
  while [ "$k" -lt "$n" ]; do
    len=$1
    shift
    printf '%s %s\n' "$marker" "$k"
    "${@:1:len}" 2>/dev/null
    shift "$len"
    k=$((k + 1))
  done
}
