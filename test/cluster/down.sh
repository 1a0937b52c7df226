#!/bin/bash
# test/cluster/down.sh: stops what up.sh started, by the PIDs recorded in $XPR_CLUSTER_DIR/pids only (TERM, wait, KILL).
# Idempotent: components not recorded or already gone are skipped. Keeps keys, configs and job state for the next up.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

# --keep a,b: leave these components running (the ones `running.sh` listed before this run's up.sh started the rest).
KEEP=","
while [ $# -gt 0 ]; do
  case $1 in
    --keep) [ $# -ge 2 ] || { echo "--keep needs a comma-separated list" >&2; exit 2; }; KEEP+="$2,"; shift 2 ;;
    *) echo "unknown argument: $1 (expected --keep name,...)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "down.sh must run as root (the daemons run as root or system users)" >&2; exit 1; }
T0=$(now)
# Order: clients of a service stop before the service. SGE qmaster's controlled shutdown can take up to ~10 s.
for spec in sshd:5 sge_execd:10 sge_qmaster:20 slurmd:10 slurmctld:10 slurmdbd:10 mariadb:20 munged:5; do
  name=${spec%%:*} grace=${spec##*:}
  case $KEEP in *",$name,"*) log "$name: kept (it was running before this run)"; continue ;; esac
  if [ -e "$PIDS_DIR/$name.pid" ] && ! is_up "$name"; then
    log "$name: recorded pid $(head -n1 "$PIDS_DIR/$name.pid") is gone (or is another program now): record removed"
    rm -f "$PIDS_DIR/$name.pid"; continue
  fi
  is_up "$name" || continue
  t=$(now); stop_component "$name" "$grace"; log "   ($(elapsed "$t") s)"
done
if [ "$KEEP" != "," ]; then log "down.sh: done in $(elapsed "$T0") s (kept: ${KEEP:1:-1})"; exit 0; fi
if command -v iptables >/dev/null 2>&1; then
  rule=(INPUT ! -i lo -p tcp -m multiport --dports "$FIREWALL_PORTS" -j DROP)
  while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}" && log "removed iptables rule for $FIREWALL_PORTS"; done
fi
if [ -f "$XPR_CLUSTER_DIR/env.sh" ]; then
  grep -v -e XPR_CLUSTER_SLURM -e XPR_CLUSTER_SGE -e XPR_TEST_SSH -e XPR_TEST_KNOWN_HOSTS "$XPR_CLUSTER_DIR/env.sh" > "$XPR_CLUSTER_DIR/env.sh.new" || true
  mv "$XPR_CLUSTER_DIR/env.sh.new" "$XPR_CLUSTER_DIR/env.sh"
fi
log "down.sh: done in $(elapsed "$T0") s"
