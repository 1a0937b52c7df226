#!/bin/bash
# The `local` scheduler's queue (src/scheduler/local.ts, staged as _code/local-queue-<hash>.sh): detached jobs on
# one machine, their records under the queue dir, cores as flock'd slot files. Usage:
#   submit <queue dir> <job dir> <script> <cores> <max time s|0> <total slots> <stdout> <stderr>  -> prints the id
#   status <queue dir> <id>...      -> one line per known id: id|STATE|exit code|reason
#   cancel <queue dir> <id>...
#   run    <queue dir> <id>          (internal: the detached job)
# A record is built as a draft (<queue dir>/drafts/<n>) and published (renamed to <queue dir>/jobs/<n>) by its own
# runner once the runner's pid is in it, so a published record always names a runner. A draft whose runner never
# published it within GRACE seconds is published as VANISHED (with a reason) by whoever sees it first; rename is the
# arbiter, so the runner and that reaper cannot both win.
set -u
cmd=$1; qdir=$2; shift 2
GRACE=${XPR_LOCAL_QUEUE_GRACE_S:-60}

alive() { # pid id
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- " run $qdir $2 "
}

write_atomic() { # file text
  printf '%s\n' "$2" > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

age() { # path -> seconds since its last change
  local m
  m=$(stat -c %Y "$1" 2>/dev/null) || { echo 0; return; }
  echo $(( $(date +%s) - m ))
}

# Publish draft n as ended before it ran (file=text pairs written into it first: `vanished=<reason>`, or a
# cancel's `reason` and `exit`), unless its runner published it first. Returns 0 if it did.
reap_draft() { # n file=text...
  local dr="$qdir/drafts/$1" kv
  shift
  [ -d "$dr" ] || return 1
  for kv in "$@"; do write_atomic "$dr/${kv%%=*}" "${kv#*=}" 2>/dev/null || return 1; done
  mkdir -p "$qdir/jobs" && mv -T "$dr" "$qdir/jobs/$(basename "$dr")" 2>/dev/null
}

case "$cmd" in
submit)
  # Leave the caller's process group and session first: a signal to the driver's whole group (Ctrl-C, a closed
  # terminal, a dropped ssh session) must not stop a submit half way. Nothing exists yet if it is hit before this.
  if [ -z "${XPR_LQ_DETACHED:-}" ]; then
    XPR_LQ_DETACHED=1 exec setsid -w bash "$0" submit "$qdir" "$@"
  fi
  unset XPR_LQ_DETACHED
  jobdir=$1; script=$2; cores=$3; maxtime=$4; slots=$5; out=$6; err=$7
  mkdir -p "$qdir/jobs" "$qdir/slots" "$qdir/drafts" || exit 1
  # Drafts of submits killed before their runner started (only a SIGKILL of the submit itself can do that).
  for dr in "$qdir"/drafts/*/; do
    [ -d "$dr" ] || continue
    k=$(basename "$dr")
    [ "$(age "$dr")" -gt "$GRACE" ] && reap_draft "$k" "vanished=submit interrupted before its runner started"
  done
  n=$( { ls "$qdir/jobs"; ls "$qdir/drafts"; } 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1); n=$(( ${n:-0} + 1 ))
  # A number is ours once its draft dir is made while no record holds it (records only appear by renaming a draft).
  while :; do
    if mkdir "$qdir/drafts/$n" 2>/dev/null; then
      [ -e "$qdir/jobs/$n" ] || break
      rmdir "$qdir/drafts/$n"
    fi
    n=$((n + 1))
  done
  d="$qdir/drafts/$n"
  printf '%s\n' "$jobdir" > "$d/jobdir"; printf '%s\n' "$script" > "$d/script"
  printf '%s\n' "$cores" > "$d/cores"; printf '%s\n' "$maxtime" > "$d/maxtime"; printf '%s\n' "$slots" > "$d/slots"
  printf '%s\n' "$out" > "$d/out"; printf '%s\n' "$err" > "$d/err"
  setsid bash "$0" run "$qdir" "$n" < /dev/null > /dev/null 2>&1 &
  # Bounded wait for the runner to publish the record; past it, the draft is published as dead (or the runner won).
  for ((i = 0; i < 300; i++)); do
    [ -d "$qdir/jobs/$n" ] && break
    [ -d "$d" ] || break
    sleep 0.1
  done
  [ -d "$qdir/jobs/$n" ] || reap_draft "$n" "vanished=its runner did not start within 30 s"
  if [ -e "$qdir/jobs/$n/vanished" ] || [ ! -e "$qdir/jobs/$n/pid" ]; then
    echo "local queue: the runner of job $n did not start" >&2; exit 1
  fi
  echo "$n"
  ;;
run)
  n=$1; dr="$qdir/drafts/$n"; d="$qdir/jobs/$n"
  { jobdir=$(cat "$dr/jobdir") && script=$(cat "$dr/script") && need=$(cat "$dr/cores") && maxtime=$(cat "$dr/maxtime") &&
    slots=$(cat "$dr/slots") && out=$(cat "$dr/out") && err=$(cat "$dr/err"); } 2>/dev/null || exit 0
  # Publish: our pid first, then the rename. A draft already reaped (or removed) means this job is not ours to run.
  write_atomic "$dr/pid" "$$" 2>/dev/null || exit 0
  [ -e "$dr/vanished" ] && exit 0
  mv -T "$dr" "$d" 2>/dev/null || exit 0
  [ -e "$d/vanished" ] && exit 0
  [ "$need" -gt "$slots" ] && need=$slots
  # Waiting jobs queue on the turnstile lock, blocked in the kernel (no CPU); only its holder polls for free slots,
  # and it lets the next waiter in once it holds all the slots it needs. A record removed or ended (cancelled) while
  # waiting ends the wait: no runner outlives its record.
  exec {turn}>>"$qdir/turnstile" || exit 0
  # Without a working flock no slot can ever be taken: the job ends with the reason instead of waiting forever.
  if ! flock "$turn"; then write_atomic "$d/reason" "flock failed on $qdir/turnstile"; write_atomic "$d/exit" 1; exit 1; fi
  while :; do
    { [ -d "$d" ] && [ ! -e "$d/exit" ]; } || exit 0
    got=()
    for ((k = 0; k < slots && ${#got[@]} < need; k++)); do
      exec {fd}>>"$qdir/slots/$k" || exit 0
      if flock -n "$fd"; then got+=("$fd"); else exec {fd}>&-; fi
    done
    [ ${#got[@]} -ge "$need" ] && break
    for fd in ${got[@]+"${got[@]}"}; do exec {fd}>&-; done
    sleep 0.1
  done
  exec {turn}>&-
  [ -e "$d/exit" ] && exit 0
  date +%s > "$d/started" || exit 0
  cd "$jobdir" || { write_atomic "$d/reason" "job dir $jobdir missing"; write_atomic "$d/exit" 127; exit 127; }
  if [ "$maxtime" -gt 0 ]; then
    timeout --kill-after=10 "$maxtime" bash "$script" > "$out" 2> "$err" &
  else
    bash "$script" > "$out" 2> "$err" &
  fi
  child=$!; write_atomic "$d/child" "$child"
  wait "$child"; rc=$?
  if [ "$maxtime" -gt 0 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then write_atomic "$d/reason" TIMEOUT; fi
  [ -e "$d/exit" ] || write_atomic "$d/exit" "$rc"
  ;;
status)
  for n in "$@"; do
    d="$qdir/jobs/$n"
    if [ ! -d "$d" ]; then
      # Not published yet: queued while its runner may still publish it, then dead.
      dr="$qdir/drafts/$n"
      [ -d "$dr" ] || continue
      if [ "$(age "$dr")" -le "$GRACE" ]; then echo "$n|QUEUED||"; continue; fi
      reap_draft "$n" "vanished=submit interrupted before its runner started" || [ -d "$d" ] || continue
    fi
    reason=$(cat "$d/reason" 2>/dev/null)
    if [ -e "$d/vanished" ]; then echo "$n|VANISHED||$(cat "$d/vanished")"
    elif [ -e "$d/exit" ]; then echo "$n|ENDED|$(cat "$d/exit")|$reason"
    elif [ -e "$d/pid" ] && alive "$(cat "$d/pid")" "$n"; then
      if [ -e "$d/started" ]; then echo "$n|RUNNING||"; else echo "$n|QUEUED||"; fi
    elif [ -e "$d/exit" ]; then echo "$n|ENDED|$(cat "$d/exit")|$(cat "$d/reason" 2>/dev/null)" # ended meanwhile
    elif [ -e "$d/pid" ]; then echo "$n|VANISHED||process gone without an exit code"
    elif [ "$(age "$d")" -le "$GRACE" ]; then echo "$n|QUEUED||"
    else echo "$n|VANISHED||no runner was recorded for this job"; fi
  done
  ;;
cancel)
  for n in "$@"; do
    d="$qdir/jobs/$n"
    [ -d "$d" ] || reap_draft "$n" reason=CANCELLED exit=143 || [ -d "$d" ] || continue
    [ -e "$d/exit" ] && continue
    [ -e "$d/vanished" ] && continue
    write_atomic "$d/reason" CANCELLED
    write_atomic "$d/exit" 143
    # Signal only processes shown to be this job's: while its run process lives, its child pid is still the job's
    # (not yet reaped); without it, members of its process group that still run the job's script.
    [ -e "$d/pid" ] || continue
    pgid=$(cat "$d/pid")
    if alive "$pgid" "$n"; then
      if [ -e "$d/child" ]; then kill -TERM -- "-$(cat "$d/child")" 2>/dev/null || kill -TERM "$(cat "$d/child")" 2>/dev/null; fi
      kill -TERM -- "-$pgid" 2>/dev/null
    else
      script=$(cat "$d/script")
      for g in "$pgid" $(cat "$d/child" 2>/dev/null); do # `timeout` puts the job in a group of its own
        for p in $(pgrep -g "$g" 2>/dev/null); do
          if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$script"; then kill -TERM -- "-$g" 2>/dev/null; break; fi
        done
      done
    fi
  done
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
