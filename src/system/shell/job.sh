# The fixed part of every job script: system/job-script.ts puts these functions in the script, then calls them around
# the user's own lines (system commands, pre_cmds, env vars, post_cmds): enter the job dir, run the runner, record its end.
# shellcheck shell=sh
# POSIX sh (a system's script_exec may name any sh). Needs the file names block (XPR_JOB_*) of shell-files.ts.

# xpr_job_start JOB_DIR JOB_ID NUM_NODES NUM_CORES NUM_CORES_PER_NODE: enter the job dir, mark the job started and
# export what the user's lines and the op may read (EXPYRE_NCORES* are the older names wfl's documentation uses).
xpr_job_start() {
  cd "$1" || exit 1
  : > "$XPR_JOB_STARTED"
  export XPR_JOB_ID="$2" EXPYRE_NUM_NODES="$3" EXPYRE_NUM_CORES="$4" EXPYRE_NUM_CORES_PER_NODE="$5" \
    EXPYRE_NCORES="$4" EXPYRE_NCORES_PER_NODE="$5"
}

# xpr_job_secret_env JOB_DIR: read the secret env values written at submission (0600, see secret-env.sh) and delete
# the file, ahead of the pre_cmds (the system commands may have left the job dir).
xpr_job_secret_env() {
  if [ -f "$1/$XPR_JOB_SECRET_ENV" ]; then
    # shellcheck disable=SC1090 # written at submission, not there to follow
    . "$1/$XPR_JOB_SECRET_ENV"
    rm -f "$1/$XPR_JOB_SECRET_ENV"
  fi
}

# xpr_job_run NODE RUNNER JOB_DIR: run the runner in the current dir (the pre_cmds may have chosen it), its stdout and
# stderr into the job dir's files; its exit code is left in xpr_rc for the post_cmds and xpr_job_end.
xpr_job_run() {
  "$1" "$2" "$3" > "$3/$XPR_JOB_STDOUT" 2> "$3/$XPR_JOB_STDERR"
  xpr_rc=$?
}

# xpr_job_end JOB_DIR: write the runner's exit code into the job dir atomically (its appearance is the job's end for
# the driver), then exit with it.
xpr_job_end() {
  cd "$1" && printf '%s\n' "$xpr_rc" > "$XPR_JOB_EXIT.tmp" && mv -f "$XPR_JOB_EXIT.tmp" "$XPR_JOB_EXIT"
  exit "$xpr_rc"
}
