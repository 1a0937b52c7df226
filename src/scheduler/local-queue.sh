#!/bin/bash
# xpr local queue. Usage:
#   submit <queue dir> <job dir> <script> <cores> <max time s|0> <total slots> <stdout> <stderr>  -> prints the id
#   status <queue dir> <id>...      -> one line per known id: id|STATE|exit code|reason
#   cancel <queue dir> <id>...
#   run    <queue dir> <id>          (internal: the detached job)
set -u
cmd=$1; qdir=$2; shift 2

alive() { # pid id
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- " run $qdir $2 "
}

write_atomic() { # file text
  printf '%s\n' "$2" > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

case "$cmd" in
submit)
  jobdir=$1; script=$2; cores=$3; maxtime=$4; slots=$5; out=$6; err=$7
  mkdir -p "$qdir/jobs" "$qdir/slots" || exit 1
  n=$(ls "$qdir/jobs" 2>/dev/null | sort -n | tail -1); n=$(( ${n:-0} + 1 ))
  until mkdir "$qdir/jobs/$n" 2>/dev/null; do n=$((n + 1)); done
  d="$qdir/jobs/$n"
  printf '%s\n' "$jobdir" > "$d/jobdir"; printf '%s\n' "$script" > "$d/script"
  printf '%s\n' "$cores" > "$d/cores"; printf '%s\n' "$maxtime" > "$d/maxtime"; printf '%s\n' "$slots" > "$d/slots"
  printf '%s\n' "$out" > "$d/out"; printf '%s\n' "$err" > "$d/err"
  setsid bash "$0" run "$qdir" "$n" < /dev/null > /dev/null 2>&1 &
  write_atomic "$d/pid" "$!"
  echo "$n"
  ;;
run)
  n=$1; d="$qdir/jobs/$n"
  jobdir=$(cat "$d/jobdir"); script=$(cat "$d/script"); need=$(cat "$d/cores"); maxtime=$(cat "$d/maxtime"); slots=$(cat "$d/slots")
  out=$(cat "$d/out"); err=$(cat "$d/err")
  [ "$need" -gt "$slots" ] && need=$slots
  # Waiting jobs queue on the turnstile lock, blocked in the kernel (no CPU); only its holder polls for free slots,
  # and it lets the next waiter in once it holds all the slots it needs.
  exec {turn}>>"$qdir/turnstile"
  flock "$turn"
  while :; do
    got=()
    for ((k = 0; k < slots && ${#got[@]} < need; k++)); do
      exec {fd}>>"$qdir/slots/$k"
      if flock -n "$fd"; then got+=("$fd"); else exec {fd}>&-; fi
    done
    [ ${#got[@]} -ge "$need" ] && break
    for fd in ${got[@]+"${got[@]}"}; do exec {fd}>&-; done
    sleep 0.1
  done
  exec {turn}>&-
  date +%s > "$d/started"
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
    [ -d "$d" ] || continue
    reason=$(cat "$d/reason" 2>/dev/null)
    if [ -e "$d/exit" ]; then echo "$n|ENDED|$(cat "$d/exit")|$reason"
    elif [ -e "$d/pid" ] && alive "$(cat "$d/pid")" "$n"; then
      if [ -e "$d/started" ]; then echo "$n|RUNNING||"; else echo "$n|QUEUED||"; fi
    elif [ -e "$d/pid" ]; then echo "$n|VANISHED||process gone without an exit code"
    else echo "$n|QUEUED||"; fi
  done
  ;;
cancel)
  for n in "$@"; do
    d="$qdir/jobs/$n"
    [ -d "$d" ] || continue
    [ -e "$d/exit" ] && continue
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
