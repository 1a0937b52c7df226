#!/bin/bash
# test/cluster/capture.sh: records real Slurm and SGE command output into test/cluster/captured/ for parser tests.
# Runs every command as xprtest over the test sshd (cluster must be up). Takes ~2 min (waits for a Slurm TIMEOUT).
# Usage: capture.sh [--index-only]   (--index-only rewrites captured/INDEX.md from the last run)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
OUT=${CAPTURE_DIR:-$HERE/captured}
mkdir -p "$OUT"
MANIFEST=$OUT/MANIFEST.tsv

# X CMD: run CMD (a shell line) as xprtest on the test cluster, in ~/capture.
X() { ssh -F "$XPR_CLUSTER_DIR/ssh_config" "$SSH_ALIAS" "mkdir -p capture && cd capture && $1"; }
# cap NAME CMD NOTE: run CMD, save stdout to NAME (unedited), stderr to NAME.stderr when non-empty; log rc + command.
cap() {
  local name=$1 cmd=$2 note=${3:-} rc=0
  X "$cmd" >"$OUT/$name" 2>"$OUT/$name.stderr" || rc=$?
  [ -s "$OUT/$name.stderr" ] || rm -f "$OUT/$name.stderr"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$cmd" "$note" >> "$MANIFEST"
  log "captured $name (rc $rc)"
}
# wait_slurm ID STATE...: poll squeue until the job is in one of STATEs (150 s max: a TIMEOUT takes up to ~100 s).
wait_slurm() {
  local id=$1; shift; local st deadline=$((SECONDS + 150))
  while [ $SECONDS -lt $deadline ]; do
    st=$(X "squeue -h -t all -j $id -o %T" 2>/dev/null || true)
    for want in "$@"; do [ "$st" = "$want" ] && return 0; done
    sleep 0.2
  done
  echo "job $id never reached $* (last: $st)" >&2; return 1
}
# wait_sge_state ID STATE: poll qstat until the job's state is STATE ('gone' = no longer listed).
wait_sge_state() {
  local id=$1 want=$2 st i
  for i in $(seq 300); do
    st=$(X "qstat -u '*'" | awk -v id="$id" '$1==id{print $5}')
    [ "$want" = gone ] && [ -z "$st" ] && return 0
    [ -n "$st" ] && [ "$st" = "$want" ] && return 0
    sleep 0.2
  done
  echo "sge job $id never reached $want (last: $st)" >&2; return 1
}
wait_qacct() { local i; for i in $(seq 120); do X "qacct -j $1" >/dev/null 2>&1 && return 0; sleep 0.25; done; return 1; }

# write_index: INDEX.md from MANIFEST.tsv, ids.env and captured-notes.md.
write_index() {
  # shellcheck disable=SC1091
  . "$OUT/ids.env"
{
  cat <<HDR
# Captured scheduler output (genuine, unedited)

Written by \`test/cluster/capture.sh\` on $(date -u -r "$MANIFEST" +%Y-%m-%dT%H:%MZ) against the loopback test cluster
(\`test/cluster/up.sh\`): Slurm $(X 'sinfo --version' | awk '{print $2}') with slurmdbd, Son of Grid Engine 8.1.9 (Debian),
one node \`$(hostname -s)\` with $(nproc) CPUs / slots. Every command ran as user \`xprtest\` (uid $(id -u xprtest)) over ssh, in
\`~xprtest/capture\`. Each file holds exactly the command's stdout; \`<file>.stderr\` (only when non-empty) holds its
stderr. \`MANIFEST.tsv\` lists file, exit code, command, note (tab-separated) for every file.
The cluster is shared with other test runs: job ids are not contiguous, and the unfiltered captures
(\`slurm-squeue-default.txt\`, \`sge-qstat-*\`) can include their jobs (e.g. names like \`add_<hash>\`).
\`ids.env\` holds the ids below in shell form.

## Jobs

### Slurm
| id | name | what it did |
|---|---|---|
| $T | cap-timeout | \`sbatch --time=1 --wrap 'sleep 120'\`: running in the mixed capture, TIMEOUT in the final one |
| $C | cap-ok | \`--wrap 'echo ok'\`: COMPLETED |
| $F | cap-exit3 | \`--wrap 'exit 3'\`: FAILED, ExitCode 3:0 |
| $K | cap-cancel | \`--wrap 'sleep 300'\`, \`scancel\` while running: CANCELLED |
| $R | cap-running | \`--wrap 'sleep 300'\`: RUNNING in the mixed capture, then \`scancel\` |
| $P | cap-pending | \`--wrap 'sleep 1'\`: PENDING while $T and $R held both CPUs (reason Resources, or Priority when another job was queued ahead of it), later COMPLETED |
| $H | cap-held | \`sbatch --hold --wrap 'echo held'\`: PENDING (JobHeldUser), then \`scancel\` |
| $A | cap-array | \`sbatch --array=1-3 --wrap 'sleep 2; exit \$SLURM_ARRAY_TASK_ID'\`: tasks FAILED with 1:0, 2:0, 3:0 |

### SGE (job scripts: \`#!/bin/bash\` + \`#\$ -cwd -o sge.out -e sge.err\` + body)
| id | name | what it did |
|---|---|---|
| $S | cap-ok | \`echo ok\`: finished, exit_status 0 |
| $GF | cap-exit3 | \`exit 3\`: finished, exit_status 3, failed 0 |
| $GD | cap-qdel | \`sleep 300\`, \`qdel\` while running: exit_status 137, failed 100 |
| $GR1, $GR2 | cap-run1, cap-run2 | \`sleep 300\`: running (both slots) in the mixed capture, then \`qdel\` |
| $GP | cap-pending | \`sleep 1\`: \`qw\` in the mixed capture (no free slot), then \`qdel\` |
| $GH | cap-held | \`qsub -h\`, \`sleep 1\`: \`hqw\`, then \`qdel\` |
| $GA | cap-array | \`qsub -t 1-3\`, \`sleep 1\`: array of 3 tasks |

## Files (in capture order)
| file | exit code | command | note |
|---|---|---|---|
HDR
  while IFS=$'\t' read -r name rc cmd note; do
    extra=""; [ -e "$OUT/$name.stderr" ] && extra=" (+ \`$name.stderr\`)"
    printf '| `%s`%s | %s | `%s` | %s |\n' "$name" "$extra" "$rc" "${cmd//|/\\|}" "$note"
  done < "$MANIFEST"
  cat "$HERE/captured-notes.md"
} > "$OUT/INDEX.md"
}

if [ "${1:-}" = --index-only ]; then write_index; log "rewrote $OUT/INDEX.md"; exit 0; fi
# ------------------------------------------------------------------ Slurm
rm -f "$OUT"/*.txt "$OUT"/*.stderr "$OUT/INDEX.md" "$OUT/ids.env"; : > "$MANIFEST"
T0=$SECONDS
cap slurm-sbatch-parsable.txt "sbatch --parsable --time=1 -J cap-timeout --wrap 'sleep 120'" "job T: time limit 1 min, sleeps 120 s -> TIMEOUT"
T=$(tr -d '[:space:]' < "$OUT/slurm-sbatch-parsable.txt"); T=${T%%;*}
wait_slurm "$T" RUNNING
C=$(X "sbatch --parsable -J cap-ok --wrap 'echo ok'");         wait_slurm "$C" COMPLETED
F=$(X "sbatch --parsable -J cap-exit3 --wrap 'exit 3'");       wait_slurm "$F" FAILED
K=$(X "sbatch --parsable -J cap-cancel --wrap 'sleep 300'");   wait_slurm "$K" RUNNING
X "scancel $K";                                                wait_slurm "$K" CANCELLED
R=$(X "sbatch --parsable -J cap-running --wrap 'sleep 300'");  wait_slurm "$R" RUNNING
P=$(X "sbatch --parsable -J cap-pending --wrap 'sleep 1'");    wait_slurm "$P" PENDING
H=$(X "sbatch --parsable --hold -J cap-held --wrap 'echo held'"); wait_slurm "$H" PENDING
sleep 1.5   # let the scheduler give the pending job its reason (Resources)
IDS="$T,$C,$F,$K,$R,$P,$H"

cap slurm-squeue-mixed.txt "squeue -h -t all -o '%i|%T|%r' -j $IDS" "T running, C completed, F failed, K cancelled, R running, P pending, H held"
cap slurm-sacct-mixed.txt "sacct -X -n -P -o JobID,State,ExitCode,Reason -j $IDS" "same set, same moment"
cap slurm-scontrol-show-job-completed.txt "scontrol -o show job $C" "C: echo ok"
cap slurm-scontrol-show-job-failed.txt "scontrol -o show job $F" "F: exit 3"
cap slurm-scontrol-show-job-cancelled.txt "scontrol -o show job $K" "K: scancel while running"
cap slurm-scontrol-show-job-running.txt "scontrol -o show job $R" "R: sleep 300, running"
cap slurm-scontrol-show-job-pending.txt "scontrol -o show job $P" "P: pending (Resources)"
cap slurm-scontrol-show-job-held.txt "scontrol -o show job $H" "H: sbatch --hold"
cap slurm-squeue-unknown-id.txt "squeue -h -t all -o '%i|%T|%r' -j 999999" "an id Slurm never had"
cap slurm-squeue-known-and-unknown-ids.txt "squeue -h -t all -o '%i|%T|%r' -j $C,999999" "one known id + one unknown id in one call"
cap slurm-sacct-unknown-id.txt "sacct -X -n -P -o JobID,State,ExitCode,Reason -j 999999" "an id Slurm never had"
cap slurm-scontrol-show-job-unknown-id.txt "scontrol -o show job 999999" "an id Slurm never had"
cap slurm-squeue-default.txt "squeue" "plain squeue (human format) with running/pending/held jobs"

# ------------------------------------------------------------------ SGE (while the Slurm time limit runs out)
X 'printf "#!/bin/bash\n#\$ -cwd -o sge.out -e sge.err\necho ok\n" > ok.sh;
   printf "#!/bin/bash\n#\$ -cwd -o sge.out -e sge.err\nexit 3\n" > exit3.sh;
   printf "#!/bin/bash\n#\$ -cwd -o sge.out -e sge.err\nsleep 300\n" > sleep300.sh;
   printf "#!/bin/bash\n#\$ -cwd -o sge.out -e sge.err\nsleep 1\n" > sleep1.sh'
cap sge-qstat-xml-empty.txt "qstat -xml" "no jobs of any user in the queue"
cap sge-qsub-terse.txt "qsub -terse -N cap-ok ok.sh" "job S: echo ok"
S=$(tr -d '[:space:]' < "$OUT/sge-qsub-terse.txt")
wait_sge_state "$S" gone
GF=$(X "qsub -terse -N cap-exit3 exit3.sh");  wait_sge_state "$GF" gone
GD=$(X "qsub -terse -N cap-qdel sleep300.sh"); wait_sge_state "$GD" r
X "qdel $GD" >/dev/null;                       wait_sge_state "$GD" gone
GR1=$(X "qsub -terse -N cap-run1 sleep300.sh"); wait_sge_state "$GR1" r
GR2=$(X "qsub -terse -N cap-run2 sleep300.sh"); wait_sge_state "$GR2" r
GP=$(X "qsub -terse -N cap-pending sleep1.sh"); wait_sge_state "$GP" qw
GH=$(X "qsub -terse -h -N cap-held sleep1.sh"); wait_sge_state "$GH" hqw
sleep 1.5   # one scheduler pass with the pending job not fitting

cap sge-qstat-xml-mixed.txt "qstat -xml" "GR1, GR2 running (both slots), GP pending (qw), GH held (hqw)"
cap sge-qstat-plain-mixed.txt "qstat" "same moment, human format"
cap sge-qstat-j-running.txt "qstat -j $GR1" "GR1 running"
wait_qacct "$S"; wait_qacct "$GF"; wait_qacct "$GD"
cap sge-qstat-j-finished.txt "qstat -j $S" "S finished: no longer known to qstat"
cap sge-qacct-ok.txt "qacct -j $S" "S: echo ok"
cap sge-qacct-exit3.txt "qacct -j $GF" "GF: exit 3"
cap sge-qacct-qdel.txt "qacct -j $GD" "GD: sleep 300, qdel while running"
cap sge-qacct-unknown-id.txt "qacct -j 999999" "an id SGE never had"
X "qdel $GR1 $GR2 $GP $GH" >/dev/null
wait_sge_state "$GR1" gone; wait_sge_state "$GR2" gone; wait_sge_state "$GP" gone; wait_sge_state "$GH" gone
cap sge-qstat-xml-after-qdel.txt "qstat -xml" "after qdel of every job (should be empty again)"

# ------------------------------------------------------------------ Slurm: the time limit
wait_slurm "$T" TIMEOUT || true
X "scancel $R $H" || true
wait_slurm "$R" CANCELLED; wait_slurm "$H" CANCELLED; wait_slurm "$P" COMPLETED
sleep 2     # let slurmdbd receive the end records
cap slurm-squeue-final.txt "squeue -h -t all -o '%i|%T|%r' -j $IDS" "after T timed out; R and H cancelled by scancel; P ran and completed"
cap slurm-sacct-final.txt "sacct -X -n -P -o JobID,State,ExitCode,Reason -j $IDS" "same set, final"
cap slurm-sacct-final-all-steps.txt "sacct -n -P -o JobID,State,ExitCode,Reason -j $IDS" "same set, without -X: job steps (.batch, .extern) too"
cap slurm-scontrol-show-job-timeout.txt "scontrol -o show job $T" "T: --time=1, sleep 120"
cap slurm-scontrol-show-job-held-cancelled.txt "scontrol -o show job $H" "H: held, then scancel"

# ------------------------------------------------------------------ array jobs (both schedulers idle again)
cap slurm-sbatch-parsable-array.txt "sbatch --parsable --array=1-3 -J cap-array --wrap 'sleep 2; exit \$SLURM_ARRAY_TASK_ID'" "job A: array of 3 tasks, task i sleeps 2 s and exits with i"
A=$(tr -d '[:space:]' < "$OUT/slurm-sbatch-parsable-array.txt"); A=${A%%;*}
cap slurm-squeue-array-submitted.txt "squeue -h -t all -o '%i|%T|%r' -j $A" "A right after submission (one ssh round trip later)"
sleep 1.5
cap slurm-squeue-array-running.txt "squeue -h -t all -o '%i|%T|%r' -j $A" "A ~1.5 s later: 2 tasks running, 1 pending (2 CPUs)"
cap slurm-squeue-array-running-r.txt "squeue -h -r -t all -o '%i|%A|%K|%T|%r' -j $A" "same, with -r (one line per task); %A = the task's own job id, %K = array task id"
for i in $(seq 60); do X "squeue -h -j $A -o %i" | grep -q . || break; sleep 0.5; done
sleep 2
cap slurm-squeue-array-final.txt "squeue -h -t all -o '%i|%T|%r' -j $A" "A finished: tasks exited 1, 2, 3"
cap slurm-sacct-array-final.txt "sacct -X -n -P -o JobID,JobIDRaw,State,ExitCode,Reason -j $A" "A finished"
cap sge-qsub-terse-array.txt "qsub -terse -t 1-3 -N cap-array sleep1.sh" "job GA: array of 3 tasks, each sleeps 1 s"
GA=$(tr -d '[:space:]' < "$OUT/sge-qsub-terse-array.txt"); GA=${GA%%.*}
sleep 1.5
cap sge-qstat-xml-array.txt "qstat -xml" "GA: 2 tasks running, 1 pending (2 slots), taken ~1.5 s after submit"
for i in $(seq 60); do X "qstat" | awk -v id="$GA" '$1==id' | grep -q . || break; sleep 0.5; done
for i in $(seq 40); do [ "$(X "qacct -j $GA" 2>/dev/null | grep -c '^taskid')" = 3 ] && break; sleep 0.25; done
cap sge-qacct-array.txt "qacct -j $GA" "GA finished (3 records, one per task)"

{ declare -p T C F K R P H A S GF GD GR1 GR2 GP GH GA | sed 's/^declare -- //'; } > "$OUT/ids.env"
write_index
log "capture done in $((SECONDS - T0)) s; index: $OUT/INDEX.md"
