# The poll protocol of src/system/poll-jobs.ts: the optional wait for a watched job's marker, the queue's status
# commands (@@xpr-section) and every job dir's marker files (@@xpr-files, one @@xpr-job line a job).
# shellcheck shell=bash
# Needs lib.sh and the file names block (XPR_JOB_*) of shell-files.ts.

# xpr_watch BASE ROUNDS SECONDS [JOB_ID STARTED]...: in BASE (the cd stays), waits until a job's exit marker, or its
# started marker when STARTED is 0, is there: tested every 0.25 s, at most ROUNDS times and SECONDS long; a dot
# printed per round makes it die on a closed pipe. Returns 3 if BASE is not there.
xpr_watch() {
  local rounds=$2 until_s f markers=()
  cd "$1" || return 3
  until_s=$((SECONDS + $3))
  shift 3
  while [ $# -gt 0 ]; do
    markers+=("$1/$XPR_JOB_EXIT")
    [ "$2" = 1 ] || markers+=("$1/$XPR_JOB_STARTED")
    shift 2
  done
  for f in "${markers[@]}"; do [ -e "$f" ] && { rounds=0; break; }; done
  while [ "$rounds" -gt 0 ] && [ "$SECONDS" -le "$until_s" ]; do
    sleep 0.25 2>/dev/null || sleep 1
    printf .
    for f in "${markers[@]}"; do [ -e "$f" ] && break 2; done
    rounds=$((rounds - 1))
  done
  printf '\n'
}

# xpr_poll_status COUNT [LEN WORD...]...: the queue's status commands, each after "@@xpr-section <k>".
xpr_poll_status() {
  xpr_run_argvs '@@xpr-section' "$@"
}

# xpr_poll_files BASE JOB_ID...: "@@xpr-files", then per job dir (in BASE, the cd stays) `@@xpr-job ID missing` or
# `@@xpr-job ID ok <started> <result> <error> <exit code|-> <started mtime|-> <exit mtime|->|<scheduler id file, 200
# chars at most, lines joined by spaces>`. Returns 3 if BASE is not there.
xpr_poll_files() {
  local id s r e x q st xt l
  printf '@@xpr-files\n'
  cd "$1" || return 3
  shift
  for id in "$@"; do
    if [ ! -d "$id" ]; then printf '@@xpr-job %s missing\n' "$id"; continue; fi
    s=0; r=0; e=0; x=''; q=''
    [ -e "$id/$XPR_JOB_STARTED" ] && s=1
    [ -e "$id/$XPR_JOB_RESULT" ] && r=1
    [ -e "$id/$XPR_JOB_ERROR" ] && e=1
    [ -e "$id/$XPR_JOB_EXIT" ] && { read -r x < "$id/$XPR_JOB_EXIT" || :; }
    st=-; xt=-
    [ -n "$x" ] && { st=$(stat -c %Y "$id/$XPR_JOB_STARTED" 2>/dev/null) || st=-; xt=$(stat -c %Y "$id/$XPR_JOB_EXIT" 2>/dev/null) || xt=-; }
    [ -e "$id/$XPR_JOB_SCHEDULER_ID" ] && while IFS= read -r l || [ -n "$l" ]; do q="$q$l "; [ ${#q} -ge 200 ] && break; done < "$id/$XPR_JOB_SCHEDULER_ID"
    printf '@@xpr-job %s ok %s %s %s %s %s %s|%s\n' "$id" "$s" "$r" "$e" "${x:--}" "$st" "$xt" "${q:0:200}"
  done
}
