#!/bin/bash
# Test double for OpenSSH: logs its argv (one line, NUL-separated args, to $FAKE_SSH_LOG), then acts like ssh
# for -O check/exit, -N (start a "master": create the ControlPath file) or a command (run it with bash -c locally).
printf '%s\0' "$@" >> "$FAKE_SSH_LOG"; printf '\n' >> "$FAKE_SSH_LOG"
control_path= op= master=0 host= cmd=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) case "$2" in ControlPath=*) control_path=${2#ControlPath=} ;; esac; shift 2 ;;
    -O) op=$2; shift 2 ;;
    -p|-i|-F|-l) shift 2 ;;
    -N) master=1; shift ;;
    -f) shift ;;
    -*) shift ;;
    *) if [ -z "$host" ]; then host=$1; shift; else cmd+=("$1"); shift; fi ;;
  esac
done
if [ "$op" = check ]; then [ -e "$control_path" ] && { echo "Master running (pid=1)" >&2; exit 0; }; echo "Control socket connect($control_path): No such file or directory" >&2; exit 255; fi
if [ "$op" = exit ]; then rm -f "$control_path"; echo "Exit request sent." >&2; exit 0; fi
if [ "$master" = 1 ]; then
  [ -n "$FAKE_SSH_FAIL_MASTER" ] && { echo "Permission denied (publickey)." >&2; exit 255; }
  sleep 0.2; : > "$control_path"; exit 0
fi
[ "${#cmd[@]}" = 1 ] || { echo "fake-ssh: expected ONE command argument, got ${#cmd[@]}" >&2; exit 99; }
if [ -n "$FAKE_SSH_DROP" ] && [ -e "$FAKE_SSH_DROP" ]; then rm -f "$FAKE_SSH_DROP" "$control_path"; echo "Connection closed by 127.0.0.1 port 2222" >&2; exit 255; fi
exec bash -c "${cmd[0]}"
