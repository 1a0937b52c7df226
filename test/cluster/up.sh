#!/bin/bash
# test/cluster/up.sh: starts the loopback test cluster (sshd :2222, one-node Slurm + slurmdbd, Son of Grid Engine).
# Idempotent: installs missing Debian packages, reuses running daemons, records PIDs under $XPR_CLUSTER_DIR/pids.
# Usage: up.sh [--only ssh|slurm|sge[,...]]   (repeatable; default: all three)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ "$(id -u)" = 0 ] || { echo "up.sh must run as root (Slurm's slurmd and SGE need it)" >&2; exit 1; }

WANT_SSH=0 WANT_SLURM=0 WANT_SGE=0 ONLY=""
while [ $# -gt 0 ]; do
  case $1 in
    --only) [ $# -ge 2 ] || { echo "--only needs ssh, slurm or sge" >&2; exit 2; }; ONLY+="${ONLY:+,}$2"; shift 2 ;;
    --only=*) ONLY+="${ONLY:+,}${1#--only=}"; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (expected --only ssh|slurm|sge)" >&2; exit 2 ;;
  esac
done
if [ -z "$ONLY" ]; then WANT_SSH=1 WANT_SLURM=1 WANT_SGE=1; else
  IFS=, read -r -a parts <<< "$ONLY"
  for p in "${parts[@]}"; do
    case $p in ssh) WANT_SSH=1 ;; slurm) WANT_SLURM=1 ;; sge) WANT_SGE=1 ;;
      *) echo "--only: unknown component '$p' (expected ssh, slurm or sge)" >&2; exit 2 ;; esac
  done
fi

HOST=$(hostname -s)
NCPU=$(nproc)
T_ALL=$(now)
CURRENT_STEP=""
step() { CURRENT_STEP=$1; T_STEP=$(now); log "== $1"; }
done_step() { log "   $CURRENT_STEP: ok ($(elapsed "$T_STEP") s)"; }
# die MSG [LOGFILE...]: print why, tail each log, exit non-zero.
die() {
  local msg=$1; shift
  echo "ERROR in step '$CURRENT_STEP': $msg" >&2
  for f in "$@"; do [ -e "$f" ] && { echo "--- tail $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}
trap 'rc=$?; [ $rc = 0 ] || echo "up.sh failed (exit $rc) in step: $CURRENT_STEP" >&2' EXIT

install -d -m 0755 "$XPR_CLUSTER_DIR" "$PIDS_DIR" "$LOGS_DIR" "$SSH_DIR"

# ---------------------------------------------------------------- packages
step packages
PKGS=()
[ $WANT_SSH = 1 ] && PKGS+=(openssh-server openssh-client)
[ $WANT_SLURM = 1 ] && PKGS+=(slurm-wlm munge slurmdbd mariadb-server)
[ $WANT_SGE = 1 ] && PKGS+=(gridengine-master gridengine-exec gridengine-client)
MISSING=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || MISSING+=("$p")
done
if [ ${#MISSING[@]} -gt 0 ]; then
  log "   installing: ${MISSING[*]}"
  CREATED_POLICY=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # keep package scripts from starting services on default ports
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; CREATED_POLICY=1
  fi
  # SGE: without this preseed act_qmaster is written as an empty line.
  debconf-set-selections <<SEL
gridengine-common shared/gridenginemaster string $HOST
gridengine-common shared/gridenginecell string default
gridengine-common shared/gridengineconfig boolean true
SEL
  apt-get update -q >"$LOGS_DIR/apt-update.log" 2>&1 || warn "apt-get update failed (see $LOGS_DIR/apt-update.log); trying the install anyway"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${MISSING[@]}" >"$LOGS_DIR/apt-install.log" 2>&1; then
    [ $CREATED_POLICY = 1 ] && rm -f /usr/sbin/policy-rc.d
    die "apt-get install ${MISSING[*]} failed" "$LOGS_DIR/apt-install.log"
  fi
  [ $CREATED_POLICY = 1 ] && rm -f /usr/sbin/policy-rc.d
else
  log "   all present"
fi
done_step

# ---------------------------------------------------------------- test user
step "user $TEST_USER"
if ! id "$TEST_USER" >/dev/null 2>&1; then
  useradd -m -s /bin/bash -K UID_MIN=1000 "$TEST_USER"
fi
TEST_UID=$(id -u "$TEST_USER")
[ "$TEST_UID" -ge 1000 ] || die "user $TEST_USER has uid $TEST_UID; SGE refuses uid < 1000 (remove the user and rerun)"
# useradd leaves '!' (locked) in /etc/shadow; sshd with UsePAM no refuses locked accounts. '*' = no password, not locked.
[ "$(getent shadow "$TEST_USER" | cut -d: -f2)" = '*' ] || usermod -p '*' "$TEST_USER"
TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
log "   uid $TEST_UID, home $TEST_HOME"
done_step

# ---------------------------------------------------------------- firewall (optional)
firewall() {
  command -v iptables >/dev/null 2>&1 || { log "   iptables not installed: Slurm/SGE ports $FIREWALL_PORTS stay reachable on 0.0.0.0 (not firewalled)"; return 0; }
  local rule=(INPUT ! -i lo -p tcp -m multiport --dports "$FIREWALL_PORTS" -j DROP)
  if iptables -C "${rule[@]}" 2>/dev/null; then log "   iptables rule already present"; return 0; fi
  if iptables -A "${rule[@]}" 2>"$LOGS_DIR/iptables.err"; then log "   iptables: dropping non-loopback tcp to $FIREWALL_PORTS"
  else warn "iptables -A failed: $(cat "$LOGS_DIR/iptables.err")"; fi
}

# ---------------------------------------------------------------- sshd
start_ssh() {
  step sshd
  local cfg=$SSH_DIR/sshd_config log_f=$LOGS_DIR/sshd.log pid
  [ -f "$SSH_DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C xpr-test-host -f "$SSH_DIR/host_ed25519"
  [ -f "$SSH_DIR/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C xpr-test-client -f "$SSH_DIR/client_key"
  # The test process reads the client key: hand it to the sudo caller if there is one, else it stays root's.
  local owner=${XPR_CLUSTER_KEY_OWNER:-${SUDO_USER:-root}}
  chown "$owner" "$SSH_DIR/client_key" "$SSH_DIR/client_key.pub"; chmod 600 "$SSH_DIR/client_key"
  install -m 0644 "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
  install -d -m 0700 -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" "$TEST_HOME/.ssh"
  install -m 0600 -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" "$SSH_DIR/client_key.pub" "$TEST_HOME/.ssh/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519.pub")" > "$XPR_CLUSTER_DIR/known_hosts"
  chmod 644 "$XPR_CLUSTER_DIR/known_hosts"
  cat > "$XPR_CLUSTER_DIR/ssh_config" <<CFG
Host $SSH_ALIAS
  HostName 127.0.0.1
  Port $SSH_PORT
  User $TEST_USER
  IdentityFile $SSH_DIR/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $XPR_CLUSTER_DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CFG
  chmod 644 "$XPR_CLUSTER_DIR/ssh_config"
  cat > "$cfg.new" <<CFG
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys $SSH_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
StrictModes no
X11Forwarding no
PrintMotd no
LogLevel INFO
Subsystem sftp internal-sftp
CFG
  install -d -m 0755 /run/sshd        # privilege separation dir (systemd normally creates it)
  /usr/sbin/sshd -t -f "$cfg.new" 2>"$LOGS_DIR/sshd-t.err" || die "sshd -t rejected the config" "$LOGS_DIR/sshd-t.err"
  local changed=1; cmp -s "$cfg.new" "$cfg" && changed=0; mv "$cfg.new" "$cfg"
  if pid=$(recorded_pid sshd) || { adopt sshd "$SSH_DIR/sshd.pid" && pid=$(recorded_pid sshd); }; then
    if [ $changed = 1 ]; then kill -HUP "$pid"; log "   config changed: sent HUP to sshd $pid"; sleep 0.3; fi
    log "   already running (pid $pid)"
  else
    port_open "$SSH_PORT" && die "port $SSH_PORT is already taken by another program (not started by up.sh)"
    /usr/sbin/sshd -f "$cfg" -E "$log_f" || die "sshd did not start" "$log_f"
    for _ in $(seq 100); do port_open "$SSH_PORT" && break; sleep 0.05; done
    port_open "$SSH_PORT" || die "sshd not listening on 127.0.0.1:$SSH_PORT" "$log_f"
    adopt sshd "$SSH_DIR/sshd.pid" || die "sshd pid file $SSH_DIR/sshd.pid missing" "$log_f"
    log "   started (pid $(recorded_pid sshd)) on 127.0.0.1:$SSH_PORT"
  fi
  local out
  out=$(ssh -F "$XPR_CLUSTER_DIR/ssh_config" -o ConnectTimeout=5 "$SSH_ALIAS" 'echo ok; command -v node || true' 2>"$LOGS_DIR/ssh-check.err") \
    || die "ssh $TEST_USER@127.0.0.1:$SSH_PORT failed" "$LOGS_DIR/ssh-check.err" "$log_f"
  [ "$(head -n1 <<<"$out")" = ok ] || die "ssh check printed '$out'"
  if [ -z "$(sed -n 2p <<<"$out")" ]; then   # node not on the PATH of a non-interactive ssh login
    local node_bin; node_bin=$(command -v node) || die "node is not installed on this machine"
    [ -e /usr/local/bin/node ] || ln -s "$(readlink -f "$node_bin")" /usr/local/bin/node
    log "   linked /usr/local/bin/node -> $(readlink -f "$node_bin")"
    out=$(ssh -F "$XPR_CLUSTER_DIR/ssh_config" "$SSH_ALIAS" 'command -v node' 2>&1) || die "node still not on the ssh PATH: $out"
  fi
  log "   ssh $SSH_ALIAS: ok; remote node: $(sed -n '$p' <<<"$out")"
  done_step
}

# ---------------------------------------------------------------- Slurm
source "$HERE/up-slurm.sh"
# ---------------------------------------------------------------- SGE
source "$HERE/up-sge.sh"

[ $WANT_SSH = 1 ] && start_ssh
[ $WANT_SLURM = 1 ] && start_slurm
[ $WANT_SGE = 1 ] && start_sge
if [ $WANT_SLURM = 1 ] || [ $WANT_SGE = 1 ]; then step firewall; firewall; done_step; fi

# ---------------------------------------------------------------- env.sh
step env.sh
slurm_up=0; sge_up=0
is_up munged && is_up mariadb && is_up slurmdbd && is_up slurmctld && is_up slurmd && slurm_up=1
is_up sge_qmaster && is_up sge_execd && sge_up=1
{
  echo "# written by test/cluster/up.sh; source it before running integration tests"
  echo "export XPR_CLUSTER_DIR=$XPR_CLUSTER_DIR"
  if is_up sshd; then
    echo "export XPR_TEST_SSH_HOST=127.0.0.1 XPR_TEST_SSH_PORT=$SSH_PORT XPR_TEST_SSH_USER=$TEST_USER"
    echo "export XPR_TEST_SSH_KEY=$SSH_DIR/client_key"
    echo "export XPR_TEST_KNOWN_HOSTS=$XPR_CLUSTER_DIR/known_hosts"
    echo "export XPR_TEST_SSH_CONFIG=$XPR_CLUSTER_DIR/ssh_config XPR_TEST_SSH_ALIAS=$SSH_ALIAS"
  fi
  [ $slurm_up = 1 ] && echo "export XPR_CLUSTER_SLURM=1"
  [ $sge_up = 1 ] && echo "export XPR_CLUSTER_SGE=1"
  true
} > "$XPR_CLUSTER_DIR/env.sh.new"
mv "$XPR_CLUSTER_DIR/env.sh.new" "$XPR_CLUSTER_DIR/env.sh"; chmod 644 "$XPR_CLUSTER_DIR/env.sh"
done_step
log "up.sh: done in $(elapsed "$T_ALL") s (ssh=$(is_up sshd && echo up || echo down) slurm=$([ $slurm_up = 1 ] && echo up || echo down) sge=$([ $sge_up = 1 ] && echo up || echo down)); env: $XPR_CLUSTER_DIR/env.sh"
