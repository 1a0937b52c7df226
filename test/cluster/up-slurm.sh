# test/cluster/up-slurm.sh: start_slurm for up.sh (sourced): munge, MariaDB (unix socket), slurmdbd, slurmctld, slurmd.
# One node named $(hostname -s) at 127.0.0.1, CPUs=nproc, cons_tres/CR_Core_Memory (memory is a consumable; jobs over their request are killed by OverMemoryKill), accounting through slurmdbd so sacct works.

SLURM_LOG=/var/log/slurm
DB_SOCK=/run/mysqld/mysqld.sock

# ensure_host_resolves_loopback: NoInAddrAny binds to the address `hostname -s` resolves to; it must be 127.x.
ensure_host_resolves_loopback() {
  local addr; addr=$(getent hosts "$HOST" | awk 'NR==1{print $1}')
  case $addr in
    127.*) log "   $HOST resolves to $addr: /etc/hosts left alone" ;;
    *)
      log "   $HOST resolves to '${addr:-nothing}': adding '127.0.0.1 $HOST' as the first line of /etc/hosts"
      [ -e "$XPR_CLUSTER_DIR/hosts.orig" ] || cp /etc/hosts "$XPR_CLUSTER_DIR/hosts.orig"
      local tmp; tmp=$(mktemp); { echo "127.0.0.1 $HOST"; cat /etc/hosts; } > "$tmp"
      cat "$tmp" > /etc/hosts; rm -f "$tmp"     # rewrite in place: /etc/hosts may be a bind mount
      addr=$(getent hosts "$HOST" | awk 'NR==1{print $1}')
      case $addr in 127.*) ;; *) die "$HOST still resolves to '$addr' after editing /etc/hosts" ;; esac ;;
  esac
}

start_munge() {
  install -d -o munge -g munge -m 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
      || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 2>/dev/null
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  fi
  if is_up munged || adopt munged /run/munge/munged.pid; then log "   munged already running (pid $(recorded_pid munged))"; return; fi
  runuser -u munge -- /usr/sbin/munged || die "munged did not start" /var/log/munge/munged.log
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || die "munge credential round trip failed" /var/log/munge/munged.log
  adopt munged /run/munge/munged.pid || die "no munged pid in /run/munge/munged.pid" /var/log/munge/munged.log
  log "   munged started (pid $(recorded_pid munged))"
}

start_mariadb() {
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    log "   initialising /var/lib/mysql"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >"$LOGS_DIR/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed" "$LOGS_DIR/mariadb-install.log"
  fi
  if is_up mariadb || adopt mariadb /run/mysqld/mysqld.pid; then log "   mariadbd already running (pid $(recorded_pid mariadb))"
  else
    # unix socket only; setsid so it leaves our session; it drops to user mysql itself
    setsid -f /usr/sbin/mariadbd --user=mysql --skip-networking --socket="$DB_SOCK" --pid-file=/run/mysqld/mysqld.pid \
      --datadir=/var/lib/mysql --log-error="$LOGS_DIR/mariadb.err" </dev/null >/dev/null 2>&1
    for _ in $(seq 150); do mariadb --socket="$DB_SOCK" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
    mariadb --socket="$DB_SOCK" -e 'select 1' >/dev/null 2>&1 || die "MariaDB did not answer on $DB_SOCK" "$LOGS_DIR/mariadb.err"
    adopt mariadb /run/mysqld/mysqld.pid || die "no mariadbd pid in /run/mysqld/mysqld.pid" "$LOGS_DIR/mariadb.err"
    log "   mariadbd started (pid $(recorded_pid mariadb)), unix socket only"
  fi
  mariadb --socket="$DB_SOCK" -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmdbpass';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;" 2>"$LOGS_DIR/mariadb-grant.err" \
    || die "creating the slurm database failed" "$LOGS_DIR/mariadb-grant.err"
}

start_slurmdbd() {
  cat > /etc/slurm/slurmdbd.conf.new <<CONF
AuthType=auth/munge
DbdAddr=127.0.0.1
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
LogFile=$SLURM_LOG/slurmdbd.log
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmdbpass
StorageLoc=slurm_acct_db
CONF
  local changed=0; write_if_changed /etc/slurm/slurmdbd.conf && changed=1
  chown slurm:slurm /etc/slurm/slurmdbd.conf; chmod 600 /etc/slurm/slurmdbd.conf
  if is_up slurmdbd || adopt slurmdbd /run/slurmdbd.pid; then
    if [ $changed = 0 ]; then log "   slurmdbd already running (pid $(recorded_pid slurmdbd))"; return; fi
    log "   slurmdbd.conf changed: restarting slurmdbd"; stop_component slurmdbd 10
  fi
  /usr/sbin/slurmdbd || die "slurmdbd did not start" "$SLURM_LOG/slurmdbd.log"
  for _ in $(seq 100); do port_open 6819 && break; sleep 0.1; done
  port_open 6819 || die "slurmdbd not listening on 6819" "$SLURM_LOG/slurmdbd.log" "$LOGS_DIR/mariadb.err"
  adopt slurmdbd /run/slurmdbd.pid || die "no slurmdbd pid in /run/slurmdbd.pid" "$SLURM_LOG/slurmdbd.log"
  log "   slurmdbd started (pid $(recorded_pid slurmdbd))"
}

write_slurm_conf() {
  cat > /etc/slurm/slurm.conf.new <<CONF
# written by xpr test/cluster/up.sh
ClusterName=xprtest
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
JobCompType=jobcomp/filetxt
JobCompLoc=$SLURM_LOG/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=2000
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=60
SlurmdTimeout=120
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$SLURM_LOG/slurmctld.log
SlurmdLogFile=$SLURM_LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=${HOST} NodeAddr=127.0.0.1 NodeHostname=${HOST} CPUs=${NCPU} RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
CONF
  write_if_changed /etc/slurm/slurm.conf
}

# node_state: the node's state as sinfo prints it (empty when slurmctld does not answer).
node_state() { timeout 5 sinfo -h -N -o %T 2>/dev/null | head -n1 || true; }

start_slurm() {
  step "slurm: hostname"; ensure_host_resolves_loopback; done_step
  step "slurm: munge"; start_munge; done_step
  step "slurm: mariadb"; start_mariadb; done_step
  step "slurm: slurmdbd"; start_slurmdbd; done_step
  step "slurm: slurmctld + slurmd"
  install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld "$SLURM_LOG"
  install -d -o root -g root -m 0755 /var/spool/slurmd
  if write_slurm_conf && { is_up slurmctld || is_up slurmd; }; then
    log "   slurm.conf changed: restarting slurmd and slurmctld"
    stop_component slurmd 10; stop_component slurmctld 10
  fi
  if is_up slurmctld || adopt slurmctld /run/slurmctld.pid; then log "   slurmctld already running (pid $(recorded_pid slurmctld))"
  else
    /usr/sbin/slurmctld -i || die "slurmctld did not start" "$SLURM_LOG/slurmctld.log"
    for _ in $(seq 50); do adopt slurmctld /run/slurmctld.pid && break; sleep 0.1; done
    is_up slurmctld || die "slurmctld exited" "$SLURM_LOG/slurmctld.log"
    log "   slurmctld started (pid $(recorded_pid slurmctld))"
  fi
  if is_up slurmd || adopt slurmd /run/slurmd.pid; then log "   slurmd already running (pid $(recorded_pid slurmd))"
  else
    /usr/sbin/slurmd || die "slurmd did not start" "$SLURM_LOG/slurmd.log"
    for _ in $(seq 50); do adopt slurmd /run/slurmd.pid && break; sleep 0.1; done
    is_up slurmd || die "slurmd exited" "$SLURM_LOG/slurmd.log"
    log "   slurmd started (pid $(recorded_pid slurmd))"
  fi
  local deadline=$((SECONDS + 60)) st resumed=0
  while :; do
    st=$(node_state)
    [ "$st" = idle ] && break
    is_up slurmctld || die "slurmctld died" "$SLURM_LOG/slurmctld.log"
    is_up slurmd || die "slurmd died" "$SLURM_LOG/slurmd.log"
    case $st in *drain*|down*) if [ $resumed = 0 ]; then scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true; resumed=1; fi ;; esac
    case $st in mixed|allocated|completing) break ;; esac   # busy with jobs left from before: still up
    [ $SECONDS -lt $deadline ] || die "node state is '${st:-no answer}' after 60 s (want idle)" "$SLURM_LOG/slurmctld.log" "$SLURM_LOG/slurmd.log"
    sleep 0.1
  done
  log "   node $HOST: $st"
  done_step
  step "slurm: accounting + submit check"
  local d2=$((SECONDS + 30))
  until sacctmgr -n -P show cluster format=cluster 2>/dev/null | grep -qx xprtest; do
    [ $SECONDS -lt $d2 ] || die "cluster 'xprtest' never registered in slurmdbd" "$SLURM_LOG/slurmctld.log" "$SLURM_LOG/slurmdbd.log"
    sleep 0.2
  done
  local out
  out=$(cd / && runuser -u "$TEST_USER" -- sbatch --test-only --wrap true 2>&1) || die "$TEST_USER cannot submit: $out"
  log "   sacctmgr: cluster registered; sbatch --test-only as $TEST_USER: ${out##*sbatch: }"
  done_step
}
