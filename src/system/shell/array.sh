# The array submit protocol of src/system/array.ts: write each array's dir (job dir list, job script), mark its jobs'
# dirs as its tasks, submit it once (a recorded id is replayed), give every job its task's id; @@xpr-array answers.
# shellcheck shell=bash
# Needs the file names block (XPR_JOB_*, XPR_ARRAY_*) of shell-files.ts.

# xpr_submit_array NAME DIR FIRST ID_PATTERN TASK_FORM SCRIPT_NAME JOB_DIRS SCRIPT_TEXT SUBMIT_WORD...
# JOB_DIRS: the tasks' job dirs, one a line in task order (task FIRST first); SCRIPT_TEXT: the array's job script;
# ID_PATTERN: extended regexp of the array id in the submit output; TASK_FORM: see xpr_task_id.
# Prints "@@xpr-array NAME RC", the submit output (or the recorded one), and when RC is not 0 @@xpr-array-err and
# the submit's stderr.
xpr_submit_array() {
  xpr_array_prepare "$2" "$6" "$7" "$8"
  xpr_array_submit "$1" "$2" "$3" "$4" "$5" "${@:9}"
}

# xpr_array_prepare DIR SCRIPT_NAME JOB_DIRS SCRIPT_TEXT: the array dir (0700) with its job list and job script,
# unless it already holds the array's id (an earlier submit of it went through).
xpr_array_prepare() {
  if ! { mkdir -p "$1" && chmod 700 "$1" && [ -s "$1/$XPR_JOB_SCHEDULER_ID" ]; }; then
    printf '%s' "$3" > "$1/$XPR_ARRAY_JOBS" && printf '%s' "$4" > "$1/$2" && chmod 700 "$1/$2"
  fi
}

# xpr_array_submit NAME DIR FIRST ID_PATTERN TASK_FORM SUBMIT_WORD...: in a subshell (the cd ends with it).
# Before the submit, each job dir is marked as a task of this array (the submitting marker holds `array NAME TASK`):
# a rerun after an answer lost between the submit and the task ids recovers the array's id (recorded here, or looked
# up by the array's name) instead of submitting the job again (xpr_submit_one). A refused array takes its marks back.
xpr_array_submit() (
  xpr_name=$1 xpr_first=$3 xpr_pattern=$4 xpr_form=$5
  if ! cd "$2"; then
    xpr_out=''; xpr_rc=1
  elif [ -s "$XPR_JOB_SCHEDULER_ID" ]; then
    xpr_out=$(cat "$XPR_JOB_SCHEDULER_ID"); xpr_rc=0
  elif ! xpr_mark_tasks "$xpr_name" "$xpr_first"; then
    xpr_out="cannot write $XPR_JOB_SUBMITTING in the job dirs"; xpr_rc=1
  else
    xpr_out=$("${@:6}" 2>"$XPR_ARRAY_SUBMIT_ERR"); xpr_rc=$?
    [ "$xpr_rc" = 0 ] && { printf '%s\n' "$xpr_out" > "$XPR_JOB_SCHEDULER_ID.tmp" && mv -f "$XPR_JOB_SCHEDULER_ID.tmp" "$XPR_JOB_SCHEDULER_ID"; }
    [ "$xpr_rc" = 0 ] || { while IFS= read -r xpr_d; do rm -f "$xpr_d/$XPR_JOB_SUBMITTING"; done < "$XPR_ARRAY_JOBS"; }
  fi
  if [ "$xpr_rc" = 0 ]; then
    xpr_a=$(printf '%s\n' "$xpr_out" | grep -Eo "$xpr_pattern" | tail -n 1)
    xpr_k=$xpr_first
    while IFS= read -r xpr_d; do
      xpr_task_id "$xpr_form" "$xpr_a" "$xpr_k" > "$xpr_d/$XPR_JOB_SCHEDULER_ID.tmp" && mv -f "$xpr_d/$XPR_JOB_SCHEDULER_ID.tmp" "$xpr_d/$XPR_JOB_SCHEDULER_ID"
      xpr_k=$((xpr_k + 1))
    done < "$XPR_ARRAY_JOBS"
  fi
  printf '@@xpr-array %s %s\n' "$xpr_name" "$xpr_rc"
  printf '%s\n' "$xpr_out"
  [ "$xpr_rc" = 0 ] || { printf '@@xpr-array-err\n'; cat "$XPR_ARRAY_SUBMIT_ERR" 2>/dev/null; }
)

# xpr_mark_tasks NAME FIRST (in the array dir): `array NAME <task>` into each task's submitting marker; fails if one
# could not be written.
xpr_mark_tasks() {
  local k=$2 ok=1 d
  while IFS= read -r d; do
    printf 'array %s %s\n' "$1" "$k" > "$d/$XPR_JOB_SUBMITTING" || ok=0
    k=$((k + 1))
  done < "$XPR_ARRAY_JOBS"
  [ "$ok" = 1 ]
}

# xpr_task_id FORM ARRAY_ID TASK: the queue id of a task (ArraySupport.taskIdForm): `join:<sep>` appends <sep><task>
# (Slurm `_`, SGE `.`), `brackets` puts the task into the array id's `[]` (PBS).
xpr_task_id() {
  case $1 in
    brackets) printf '%s\n' "${2/\[\]/[$3]}" ;;
    join:*) printf '%s%s%s\n' "$2" "${1#join:}" "$3" ;;
    *) return 1 ;;
  esac
}
