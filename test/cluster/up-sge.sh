# test/cluster/up-sge.sh: start_sge for up.sh (sourced): Son of Grid Engine qmaster + execd on this host.
# Queue all.q (slots = nproc, PE smp), 1 s scheduler interval, short accounting flush, host alias for 127.0.0.1.

SGE_COMMON=$SGE_ROOT/$SGE_CELL/common
SGE_TMP=$XPR_CLUSTER_DIR/sge

# execd_pidfile: the execd's own pid file (its spool dir is named after the host as qmaster resolves it).
execd_pidfile() { local f; for f in "$SGE_SPOOL"/execd/*/execd.pid; do [ -e "$f" ] && { echo "$f"; return 0; }; done; echo; }

# queue_state: the state flags of all.q@HOST in `qstat -f` ("ok" when none, empty when not listed).
queue_state() {
  timeout 5 qstat -f 2>/dev/null | awk -v q="all.q@$HOST" '$1==q{print ($6==""?"ok":$6)}' || true
}

start_qmaster() {
  [ -d "$SGE_COMMON" ] || die "$SGE_COMMON missing: the gridengine packages were installed without the debconf preseed (see README)"
  local restart=0
  echo "$HOST" > "$SGE_COMMON/act_qmaster.new"
  write_if_changed "$SGE_COMMON/act_qmaster" && restart=1
  # 127.0.0.1 reverse-resolves to "localhost"; without this alias qmaster refuses every client ("access denied").
  echo "$HOST localhost" > "$SGE_COMMON/host_aliases.new"
  write_if_changed "$SGE_COMMON/host_aliases" && restart=1
  chown sgeadmin:sgeadmin "$SGE_COMMON/act_qmaster" "$SGE_COMMON/host_aliases"
  if is_up sge_qmaster || adopt sge_qmaster "$SGE_SPOOL/qmaster/qmaster.pid"; then
    if [ $restart = 0 ]; then log "   sge_qmaster already running (pid $(recorded_pid sge_qmaster))"; return; fi
    log "   act_qmaster/host_aliases changed: restarting qmaster"
    stop_component sge_execd 10; stop_component sge_qmaster 20
  fi
  /usr/sbin/sge_qmaster || die "sge_qmaster did not start" "$SGE_SPOOL/qmaster/messages"
  for _ in $(seq 100); do timeout 5 qconf -sh >/dev/null 2>&1 && break; sleep 0.1; done
  timeout 5 qconf -sh >/dev/null 2>&1 || die "qmaster does not answer qconf" "$SGE_SPOOL/qmaster/messages"
  adopt sge_qmaster "$SGE_SPOOL/qmaster/qmaster.pid" || die "no pid in $SGE_SPOOL/qmaster/qmaster.pid" "$SGE_SPOOL/qmaster/messages"
  log "   sge_qmaster started (pid $(recorded_pid sge_qmaster))"
}

start_execd() {
  local pf; pf=$(execd_pidfile)
  if is_up sge_execd || { [ -n "$pf" ] && adopt sge_execd "$pf"; }; then log "   sge_execd already running (pid $(recorded_pid sge_execd))"; return; fi
  /usr/sbin/sge_execd || die "sge_execd did not start" "$SGE_SPOOL"/execd/*/messages
  for _ in $(seq 50); do pf=$(execd_pidfile); [ -n "$pf" ] && adopt sge_execd "$pf" && break; sleep 0.1; done
  is_up sge_execd || die "sge_execd exited" "$SGE_SPOOL"/execd/*/messages "$SGE_SPOOL/qmaster/messages"
  log "   sge_execd started (pid $(recorded_pid sge_execd), pid file $pf)"
}

SGE_REPORTING="accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:01"
# sge_conf_joined: the global config with qconf's "\\"-wrapped lines joined.
sge_conf_joined() { qconf -sconf global | awk '/\\$/ { sub(/\\$/, ""); printf "%s", $0; next } { print }'; }
# sge_reporting_params: the value of reporting_params, spaces normalised.
sge_reporting_params() { sge_conf_joined | awk '$1 == "reporting_params" { $1 = ""; sub(/^ +/, ""); print }'; }

configure_sge() {
  install -d -m 0700 "$SGE_TMP"
  # scheduler: run every second, not every 15 s
  qconf -ssconf | sed -e 's/^schedule_interval .*/schedule_interval 0:0:1/' \
    -e 's/^flush_submit_sec .*/flush_submit_sec 1/' -e 's/^flush_finish_sec .*/flush_finish_sec 1/' > "$SGE_TMP/sched.conf"
  qconf -Msconf "$SGE_TMP/sched.conf" >/dev/null 2>&1 || die "qconf -Msconf failed"
  # global config: flush accounting every second so qacct sees finished jobs quickly (default flush_time=00:00:15)
  # qconf prints long values wrapped with trailing "\": the editor joins those lines, then rewrites reporting_params
  # whole (an earlier version of this edit appended to a wrapped line and left a bogus "flush_time=..." attribute).
  if [ "$(sge_reporting_params)" != "$SGE_REPORTING" ] || sge_conf_joined | awk '$1 ~ /=/ {f=1} END {exit !f}'; then
    cat > "$SGE_TMP/edit-conf.sh" <<'ED'
#!/bin/sh
awk '/\\$/ { sub(/\\$/, ""); printf "%s", $0; next } { print }' "$1" \
  | awk '$1 ~ /^(flush_time|accounting_flush_time|joblog|sharelog)=/ { next }
         $1 == "reporting_params" { print "reporting_params REPORTING"; next }
         { print }' > "$1.tmp" && cat "$1.tmp" > "$1" && rm -f "$1.tmp"
ED
    sed -i "s/REPORTING/$SGE_REPORTING/" "$SGE_TMP/edit-conf.sh"; chmod +x "$SGE_TMP/edit-conf.sh"
    EDITOR=$SGE_TMP/edit-conf.sh qconf -mconf global >"$SGE_TMP/mconf.out" 2>&1 || die "qconf -mconf failed" "$SGE_TMP/mconf.out"
    if grep -qiv 'modified' "$SGE_TMP/mconf.out"; then die "qconf -mconf global complained" "$SGE_TMP/mconf.out"; fi
    [ "$(sge_reporting_params)" = "$SGE_REPORTING" ] || die "reporting_params is '$(sge_reporting_params)' after qconf -mconf"
  fi
  log "   reporting_params $(sge_reporting_params)"
  qconf -sh 2>/dev/null | grep -qx "$HOST" || qconf -ah "$HOST" >/dev/null 2>&1 || true    # admin host
  qconf -ss 2>/dev/null | grep -qx "$HOST" || qconf -as "$HOST" >/dev/null 2>&1 || true    # submit host
  if ! qconf -spl 2>/dev/null | grep -qx smp; then
    printf '%s\n' 'pe_name smp' 'slots 9999' 'user_lists NONE' 'xuser_lists NONE' 'start_proc_args NONE' \
      'stop_proc_args NONE' 'allocation_rule $pe_slots' 'control_slaves FALSE' 'job_is_first_task TRUE' \
      'urgency_slots min' 'accounting_summary FALSE' 'qsort_args NONE' > "$SGE_TMP/pe_smp.conf"
    qconf -Ap "$SGE_TMP/pe_smp.conf" >"$SGE_TMP/pe.out" 2>&1 || die "qconf -Ap smp failed" "$SGE_TMP/pe.out"
  fi
  local qedit=$SGE_TMP/edit-queue.sh
  cat > "$qedit" <<ED
#!/bin/sh
sed -i -e 's/^qname .*/qname all.q/' -e 's/^hostlist .*/hostlist $HOST/' -e 's/^slots .*/slots $NCPU/' \\
  -e 's/^shell .*/shell \/bin\/bash/' -e 's/^pe_list .*/pe_list smp/' -e 's/^load_thresholds .*/load_thresholds NONE/' "\$1"
ED
  chmod +x "$qedit"
  if ! qconf -sql 2>/dev/null | grep -qx all.q; then   # qconf -aq opens \$EDITOR on a template
    EDITOR=$qedit qconf -aq >"$SGE_TMP/aq.out" 2>&1 || die "qconf -aq all.q failed" "$SGE_TMP/aq.out"
  # load_thresholds NONE: the default (np_load_avg=1.75) puts the queue in alarm state 'a' and stops scheduling
  # whenever this 2-core machine is busy, e.g. with the test suite itself.
  elif [ "$(qconf -sq all.q | awk '$1 ~ /^(hostlist|slots|shell|pe_list|load_thresholds)$/ { printf "%s=%s ", $1, $2 }')" \
         != "hostlist=$HOST slots=$NCPU shell=/bin/bash pe_list=smp load_thresholds=NONE " ]; then
    EDITOR=$qedit qconf -mq all.q >"$SGE_TMP/mq.out" 2>&1 || die "qconf -mq all.q failed" "$SGE_TMP/mq.out"
  fi
}

start_sge() {
  step "sge: qmaster"; start_qmaster; done_step
  step "sge: execd + configuration"
  configure_sge
  start_execd
  local st deadline=$((SECONDS + 30)) cleared=0
  while :; do
    st=$(queue_state)
    [ "$st" = ok ] && break
    case $st in *E*) if [ $cleared = 0 ]; then qmod -c "all.q@$HOST" >/dev/null 2>&1 || true; cleared=1; fi ;; esac
    is_up sge_execd || die "sge_execd died" "$SGE_SPOOL"/execd/*/messages
    [ $SECONDS -lt $deadline ] || die "all.q@$HOST state is '${st:-not listed}' after 30 s" "$SGE_SPOOL/qmaster/messages" "$SGE_SPOOL"/execd/*/messages
    sleep 0.2
  done
  log "   all.q@$HOST: ok, slots $NCPU"
  done_step
  step "sge: submit check"
  local out
  out=$(cd / && runuser -u "$TEST_USER" -- qsub -w v -b y /bin/true 2>&1) || die "$TEST_USER cannot submit: $out"
  log "   qsub -w v as $TEST_USER: $(tr '\n' ' ' <<<"$out")"
  done_step
}
