# test/cluster/lib.sh: shared helpers for up.sh, down.sh and status.sh (sourced, not run).
# Owns the state-dir layout, PID bookkeeping (record, check, stop by PID only) and step timing.

XPR_CLUSTER_DIR=${XPR_CLUSTER_DIR:-/tmp/xpr-cluster}
PIDS_DIR=$XPR_CLUSTER_DIR/pids
LOGS_DIR=$XPR_CLUSTER_DIR/logs
SSH_DIR=$XPR_CLUSTER_DIR/ssh
TEST_USER=xprtest
SSH_PORT=2222
SSH_ALIAS=xpr-test-cluster
SGE_SPOOL=/var/spool/gridengine
# Ports the daemons bind to 0.0.0.0 although we ask for loopback (SGE qmaster/execd, slurmctld, slurmd, slurmdbd).
FIREWALL_PORTS=6444,6445,6817,6818,6819
export SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine} SGE_CELL=${SGE_CELL:-default}

# Component name -> the process name (/proc/PID/comm) its recorded PID must have.
declare -A COMM_OF=(
  [sshd]=sshd [munged]=munged [mariadb]=mariadbd [slurmdbd]=slurmdbd
  [slurmctld]=slurmctld [slurmd]=slurmd [sge_qmaster]=sge_qmaster [sge_execd]=sge_execd
)

log() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# proc_is PID COMM: true when PID is alive (not a zombie) and its process name is COMM.
proc_is() {
  local pid=$1 comm=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
  # An exited daemon stays a zombie until PID 1 reaps it (slowly, in some containers): count it as gone.
  local stat; stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# recorded_pid NAME: prints the recorded PID of component NAME if that process is alive and is the right program.
recorded_pid() {
  local name=$1 f=$PIDS_DIR/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(head -n1 "$f")
  proc_is "$pid" "${COMM_OF[$name]}" || return 1
  printf '%s\n' "$pid"
}

# is_up NAME: true when component NAME has a live recorded PID.
is_up() { recorded_pid "$1" >/dev/null; }

# record_pid NAME PID: records PID as the process of component NAME.
record_pid() { mkdir -p "$PIDS_DIR"; printf '%s\n' "$2" > "$PIDS_DIR/$1.pid"; }

# adopt NAME DAEMON_PIDFILE: if the daemon's own pid file names a live process of the right program, record it.
adopt() {
  local name=$1 pf=$2 pid
  [ -s "$pf" ] || return 1
  pid=$(head -n1 "$pf" | tr -dc '0-9')
  proc_is "$pid" "${COMM_OF[$name]}" || return 1
  record_pid "$name" "$pid"
}

# stop_component NAME [GRACE_SECONDS]: TERM the recorded PID, wait, then KILL; removes the record.
stop_component() {
  local name=$1 grace=${2:-10} pid i
  if ! pid=$(recorded_pid "$name"); then rm -f "$PIDS_DIR/$name.pid"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    proc_is "$pid" "${COMM_OF[$name]}" || { rm -f "$PIDS_DIR/$name.pid"; log "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  warn "$name (pid $pid) still alive after ${grace}s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do proc_is "$pid" "${COMM_OF[$name]}" || break; sleep 0.1; done
  rm -f "$PIDS_DIR/$name.pid"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# write_if_changed FILE: moves FILE.new over FILE; returns 0 when the content changed.
write_if_changed() {
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; return 1; fi
  mv "$1.new" "$1"; return 0
}

# now: wall-clock seconds with microseconds.
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }

# elapsed START: seconds since START (from now) with 2 decimals.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
