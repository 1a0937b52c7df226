# Removing job dirs on a system for src/system/system-ops.ts (removeJobDirs): the dirs of the given job ids in the
# base dir; nothing when the base dir is gone.
# shellcheck shell=bash

# xpr_remove_dirs BASE JOB_ID...: the exit status is rm's.
xpr_remove_dirs() {
  cd "$1" || return 0
  shift
  rm -rf -- "$@"
}
