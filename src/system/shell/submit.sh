# The submit protocol of src/system/submit-jobs.ts: submit, replay or look up each job in its job dir, crash-safe
# (submitting marker under flock before the submit command, recorded id replayed, lookup by name); @@xpr-submit answers.
# shellcheck shell=bash
# Needs lib.sh and the file names block (XPR_JOB_*, XPR_BASE_*) of shell-files.ts.

# xpr_submit_one ID JOB_DIR MODE ADOPT_ID TOKEN ADOPT_OVER BASE SUBMIT_LEN SUBMIT_WORD... FIND_COUNT [LEN WORD...]...
# MODE: normal (replay or submit; look up an interrupted submit), resubmit (the queue has no such job; TOKEN marks
# this try), adopt (record ADOPT_ID; over an unreadable id file when ADOPT_OVER is 1), lookup (only look up).
# Prints "@@xpr-submit ID RC" then: the find commands' outputs (RC find, find-nolock), the array marker and the array's
# recorded id (RC array), else the submit output (with @@xpr-submit-err and its stderr when RC is not 0 or replay).
# Runs in a subshell: the cd and the lock (fd 9) end with it.
xpr_submit_one() (
  xpr_id=$1 xpr_dir=$2 xpr_m=$3 xpr_a=$4 xpr_tok="resubmit $5" xpr_over=$6 xpr_base=$7
  shift 7
  xpr_argv=("${@:2:$1}")
  shift $(($1 + 1))
  if ! cd "$xpr_dir"; then
    xpr_out=''
    xpr_rc=1
  else
    xpr_lk=1
    { exec 9>>"$XPR_JOB_SUBMIT_LOCK" && flock -w 300 9; } 2>/dev/null || xpr_lk=0
    xpr_mk='' xpr_an='' xpr_at=''
    [ -e "$XPR_JOB_SUBMITTING" ] && { read -r xpr_mk xpr_an xpr_at < "$XPR_JOB_SUBMITTING" || :; }
    if [ "$xpr_m" = adopt ] && [ "$xpr_over" = 1 ]; then
      xpr_out=$xpr_a; xpr_rc=0; xpr_write_id "$xpr_out"
    elif [ -s "$XPR_JOB_SCHEDULER_ID" ] && [ "$xpr_m" != lookup ]; then
      xpr_out=$(cat "$XPR_JOB_SCHEDULER_ID"); xpr_rc=replay
    elif [ "$xpr_m" = adopt ]; then
      xpr_out=$xpr_a; xpr_rc=0; xpr_write_id "$xpr_out"
    elif [ "$xpr_m" = lookup ]; then
      xpr_rc='find'
    elif [ "$xpr_m" = normal ] && [ "$xpr_mk" = array ]; then
      xpr_rc=array
    elif [ "$xpr_m" = normal ] && [ -e "$XPR_JOB_SUBMITTING" ]; then
      xpr_rc='find'; [ "$xpr_lk" = 1 ] || xpr_rc=find-nolock
    elif [ "$xpr_m" = resubmit ] && [ "$xpr_mk $xpr_an" = "$xpr_tok" ]; then
      xpr_rc='find'
    elif [ "$xpr_m" = resubmit ] && [ "$xpr_lk" = 0 ]; then
      xpr_rc=nolock
    elif ! { if [ "$xpr_m" = resubmit ]; then printf '%s\n' "$xpr_tok"; else echo submit; fi; } > "$XPR_JOB_SUBMITTING"; then
      xpr_out="cannot write $XPR_JOB_SUBMITTING in the job dir"; xpr_rc=1
    else
      # the lock stays with this shell, not with what the submit command leaves running
      xpr_out=$("${xpr_argv[@]}" 9>&- 2>"$XPR_JOB_SUBMIT_ERR"); xpr_rc=$?
      [ "$xpr_rc" = 0 ] && xpr_write_id "$xpr_out"
    fi
  fi
  printf '@@xpr-submit %s %s\n' "$xpr_id" "$xpr_rc"
  case $xpr_rc in
    find*) xpr_run_argvs '@@xpr-find' "$@" ;;
    array)
      printf '%s %s\n' "$xpr_an" "$xpr_at"
      printf '@@xpr-array-id\n'
      case $xpr_an in
        *[!A-Za-z0-9_-]*|'') ;;
        *) cat "$xpr_base/$XPR_BASE_ARRAYS/$xpr_an/$XPR_JOB_SCHEDULER_ID" 2>/dev/null ;;
      esac ;;
    *)
      printf '%s\n' "$xpr_out"
      case $xpr_rc in
        0|replay) ;;
        *) printf '@@xpr-submit-err\n'; cat "$XPR_JOB_SUBMIT_ERR" 2>/dev/null ;;
      esac ;;
  esac
)

# xpr_write_id TEXT: records TEXT (a submit output or a queue id) as the job's scheduler id, atomically (in the job dir).
xpr_write_id() {
  { printf '%s\n' "$1" > "$XPR_JOB_SCHEDULER_ID.tmp" && mv -f "$XPR_JOB_SCHEDULER_ID.tmp" "$XPR_JOB_SCHEDULER_ID"; }
}

# xpr_submit_begin PARALLEL: before the xpr_submit_job calls of a round; fails if no temp dir can be made.
xpr_submit_begin() {
  xpr_par=$1
  xpr_count=0
  xpr_tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpr-submit.XXXXXX")
}

# xpr_submit_job ARGS...: xpr_submit_one ARGS in the background, PARALLEL at a time (a plain `wait` per group: no
# bash >= 4.3 needed); its answer is kept in the temp dir.
xpr_submit_job() {
  xpr_submit_one "$@" > "$xpr_tmp/$xpr_count" 2>&1 &
  xpr_count=$((xpr_count + 1))
  if [ $((xpr_count % xpr_par)) = 0 ]; then wait; fi
}

# xpr_submit_end: waits for the last group and prints every answer in the order of the calls.
xpr_submit_end() {
  local k
  wait
  for ((k = 0; k < xpr_count; k++)); do cat "$xpr_tmp/$k"; done
  rm -rf "$xpr_tmp"
}

# xpr_find_named NAME FIND_COUNT [LEN WORD...]...: "@@xpr-name NAME", then the find commands' outputs.
xpr_find_named() {
  printf '@@xpr-name %s\n' "$1"
  shift
  xpr_run_argvs '@@xpr-find' "$@"
}
