#!/bin/bash
# test/cluster/status.sh: prints which parts of the test cluster are up (recorded PIDs + one quick live check each).
# Exit 0 when ssh, Slurm and SGE are all up, 1 otherwise. Runs as any user; PID checks need /proc access only.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

pids() {
  local n out=""
  for n in "$@"; do out+="$n=$(recorded_pid "$n" || echo -) "; done
  printf '%s' "$out"
}
all=0
# ssh
if out=$(timeout 10 ssh -F "$XPR_CLUSTER_DIR/ssh_config" -o ConnectTimeout=5 "$SSH_ALIAS" 'echo ok' 2>&1) && [ "$out" = ok ]; then
  echo "ssh    UP    ssh $SSH_ALIAS echo ok -> ok   [$(pids sshd)]"
else
  echo "ssh    DOWN  ssh $SSH_ALIAS: ${out:-no answer}   [$(pids sshd)]"; all=1
fi
# slurm (sinfo can hang ~10 s when slurmctld is down, so it is only asked when the recorded slurmctld is alive)
SP=$(pids munged mariadb slurmdbd slurmctld slurmd)
if ! command -v sinfo >/dev/null 2>&1; then echo "slurm  DOWN  not installed"; all=1
elif ! is_up slurmctld; then echo "slurm  DOWN  slurmctld not running   [$SP]"; all=1
elif out=$(timeout 5 sinfo -h -N -o '%N %T' 2>&1) && [ -n "$out" ]; then
  acct=$(timeout 5 sacct -n -X -S now-1minutes -o JobID 2>&1 | head -n1)
  case $acct in *disabled*|*rror*) acct="sacct: $acct" ;; *) acct="sacct ok" ;; esac
  echo "slurm  UP    sinfo: $out; $acct   [$SP]"
else
  echo "slurm  DOWN  sinfo: $(tr '\n' ' ' <<<"${out:-no answer}")   [$SP]"; all=1
fi
# sge
# UP only when the queue instance has no state flags (au = execd not reporting, a = load alarm, E = error)
if command -v qstat >/dev/null 2>&1 && out=$(timeout 5 qstat -f 2>&1) && awk '$1 ~ /^all\.q@/ && $6 == "" {ok=1} END {exit !ok}' <<<"$out"; then
  echo "sge    UP    qstat -f: $(grep '^all\.q@' <<<"$out" | tr -s ' ')   [$(pids sge_qmaster sge_execd)]"
else
  echo "sge    DOWN  qstat -f: $(head -n2 <<<"${out:-not installed}" | tr '\n' ' ')   [$(pids sge_qmaster sge_execd)]"; all=1
fi
exit $all
