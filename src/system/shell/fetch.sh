# The fetch protocol of src/system/fetch-jobs.ts: one tar stream (stdout) of finished jobs' result files, logs and
# declared outputs; output-glob matches that are not regular files are listed in each job's refused-outputs file.
# shellcheck shell=bash
# Needs the file names block (XPR_JOB_*) of shell-files.ts.

# xpr_fetch BASE [JOB_ID WITH_LOGS GLOB_COUNT GLOB...]...: paths relative to BASE; returns 3 if BASE is not there.
xpr_fetch() {
  cd "$1" || return 3
  shift
  {
    local id logs n f
    while [ $# -gt 0 ]; do
      id=$1; logs=$2; n=$3
      shift 3
      for f in "$XPR_JOB_RESULT" "$XPR_JOB_ERROR" "$XPR_JOB_ITEMS" "$XPR_JOB_EXIT" "$XPR_JOB_USAGE"; do
        [ -e "$id/$f" ] && printf '%s\0' "$id/$f"
      done
      if [ "$logs" = 1 ]; then
        for f in "$XPR_JOB_STDOUT" "$XPR_JOB_STDERR" "$XPR_JOB_SCHED_STDOUT" "$XPR_JOB_SCHED_STDERR"; do
          [ -e "$id/$f" ] && printf '%s\0' "$id/$f"
        done
      fi
      rm -f "$id/$XPR_JOB_REFUSED_OUTPUTS"
      while [ "$n" -gt 0 ]; do
        xpr_fetch_glob "$id" "$1"
        shift
        n=$((n - 1))
      done
      [ -s "$id/$XPR_JOB_REFUSED_OUTPUTS" ] && printf '%s\0' "$id/$XPR_JOB_REFUSED_OUTPUTS"
    done
  } | sort -zu | tar -cf - --no-recursion --null -T -
}

# xpr_fetch_glob JOB_ID GLOB: the regular files GLOB matches in the job dir (walking matched dirs), NUL-terminated;
# other matches (symlinks, devices, fifos) are appended to its refused-outputs file. In a subshell (cd, IFS, nullglob).
xpr_fetch_glob() (
  local id=$1 f g matches
  cd "$id" || exit
  shopt -s nullglob
  IFS=
  # the glob is expanded on purpose; with IFS empty it is never split
  # shellcheck disable=SC2206
  matches=($2)
  for f in "${matches[@]}"; do
    if [ -L "$f" ] || { [ ! -f "$f" ] && [ ! -d "$f" ]; }; then
      printf '%s\n' "$f" >> "$XPR_JOB_REFUSED_OUTPUTS"
    elif [ -d "$f" ]; then
      find "$f" ! -type f ! -type d >> "$XPR_JOB_REFUSED_OUTPUTS"
      find "$f" -type f -print0 | while IFS= read -r -d '' g; do printf '%s/%s\0' "$id" "$g"; done
    else
      printf '%s/%s\0' "$id" "$f"
    fi
  done
)
