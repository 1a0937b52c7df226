#!/bin/bash
# test/cluster/capture-arrays.sh: records real Slurm and SGE output about ARRAY jobs, in the exact forms xpr's status
# queries use, into test/cluster/captured/arrays/ (own MANIFEST.tsv; capture.sh leaves this subdir alone). ~40 s.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
OUT=${CAPTURE_DIR:-$HERE/captured/arrays}
mkdir -p "$OUT"
MANIFEST=$OUT/MANIFEST.tsv
rm -f "$OUT"/*.txt "$OUT"/*.stderr; : > "$MANIFEST"

X() { ssh -F "$XPR_CLUSTER_DIR/ssh_config" "$SSH_ALIAS" "mkdir -p capture && cd capture && $1"; }
cap() {
  local name=$1 cmd=$2 note=${3:-} rc=0
  X "$cmd" >"$OUT/$name" 2>"$OUT/$name.stderr" || rc=$?
  [ -s "$OUT/$name.stderr" ] || rm -f "$OUT/$name.stderr"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$cmd" "$note" >> "$MANIFEST"
  log "captured $name (rc $rc)"
}
SQ="squeue -h -t all -o '%i|%T|%r'"   # exactly as SlurmScheduler.statusArgvs asks (task ids listed, no -r)
SA="sacct -X -n -P -o JobID,State,ExitCode,Reason"

# ---- Slurm: 4 tasks (0-3) on 2 CPUs, each sleeps 4 s; task 2 exits 5. Task 3 is cancelled while pending, task 0 while running.
cap slurm-sbatch-array4.txt "sbatch --parsable --array=0-3 -J cap-xarr --wrap 'sleep 6; [ \$SLURM_ARRAY_TASK_ID = 2 ] && exit 5; exit 0'" "array A of 4 tasks"
A=$(tr -d '[:space:]' < "$OUT/slurm-sbatch-array4.txt"); A=${A%%;*}; T="${A}_0,${A}_1,${A}_2,${A}_3"
cap slurm-squeue-tasks-submitted.txt "$SQ -j $T" "A right after submit (pending tasks may be folded into one row)"
# Other test runs share the queue: wait (up to 3 min) until tasks 0 and 1 run.
for i in $(seq 360); do [ "$(X "squeue -h -t R -j $T -o %i" | grep -c .)" -ge 2 ] && break; sleep 0.5; done
sleep 0.5
cap slurm-squeue-tasks-running.txt "$SQ -j $T" "A: tasks 0,1 running, 2,3 pending"
cap slurm-sacct-running.txt "$SA -j $T" "same moment: sacct folds pending tasks into ${A}_[2-3]"
cap slurm-squeue-two-tasks.txt "$SQ -j ${A}_0,${A}_3" "asking about two task ids only"
cap slurm-squeue-array-id.txt "$SQ -j $A" "asking about the array id"
cap slurm-scancel-task.txt "scancel ${A}_3 ${A}_0" "cancel task 3 (pending) and task 0 (running) only"
sleep 1
cap slurm-squeue-tasks-after-scancel.txt "$SQ -j $T" "after scancel of tasks 0 and 3: tasks 1 running/done, 2 running/pending"
cap slurm-sacct-after-scancel.txt "$SA -j $T" "same moment"
for i in $(seq 360); do X "squeue -h -j $A -t PD,R,CG -o %i" | grep -q . || break; sleep 0.5; done
sleep 1
cap slurm-squeue-tasks-final.txt "$SQ -j $T" "A finished: 0 cancelled, 1 completed, 2 exit 5, 3 cancelled before it ran"
cap slurm-sacct-final.txt "$SA -j $T" "same, from accounting"
cap slurm-sacct-final-tasks.txt "$SA -j ${A}_1,${A}_2" "sacct asked about two task ids"

# ---- SGE: 4 tasks (1-4) on 2 slots; task 3 exits 5. Task 4 is deleted while pending, task 1 while running.
X "printf '#!/bin/bash\n#\$ -cwd -o /dev/null -e /dev/null\nsleep 4; [ \"\$SGE_TASK_ID\" = 3 ] && exit 5; exit 0\n' > xarr.sh"
cap sge-qsub-array4.txt "qsub -terse -t 1-4 -N cap-xarr xarr.sh" "array GA of 4 tasks"
GA=$(tr -d '[:space:]' < "$OUT/sge-qsub-array4.txt"); GA=${GA%%.*}
for i in $(seq 360); do [ "$(X "qstat -u '*'" | awk -v id="$GA" '$1==id && $5=="r"' | grep -c .)" -ge 2 ] && break; sleep 0.5; done
cap sge-qstat-xml-running.txt "qstat -xml" "GA: tasks 1,2 running, 3-4 pending (one <tasks>3-4:1</tasks> entry)"
cap sge-qdel-task.txt "qdel $GA.4 $GA.1" "delete task 4 (pending) and task 1 (running) only"
sleep 1.5
cap sge-qstat-xml-after-qdel.txt "qstat -xml" "after qdel of tasks 1 and 4"
for i in $(seq 360); do X "qstat" | awk -v id="$GA" '$1==id' | grep -q . || break; sleep 0.5; done
for i in $(seq 40); do [ "$(X "qacct -j $GA" 2>/dev/null | grep -c '^taskid')" -ge 3 ] && break; sleep 0.25; done
sleep 1
cap sge-qacct-array4.txt "qacct -j $GA" "GA finished: a record per task that ran (1 deleted while running, 2 ok, 3 exit 5)"

# ---- refusals: arrays larger than the site allows (MaxArraySize 1001, max_aj_tasks 75000 here); nothing is queued.
cap slurm-sbatch-array-too-large.txt "sbatch --parsable --hold --array=0-1001 -J cap-xbig --wrap true" "array above MaxArraySize: refused"
cap sge-qsub-array-too-large.txt "qsub -terse -h -t 1-80000 -N cap-xbig -b y true" "array above max_aj_tasks: refused"
cap slurm-scontrol-config-maxarraysize.txt "scontrol show config | grep -i '^MaxArraySize'" "the site's MaxArraySize"
printf 'A=%s\nGA=%s\n' "$A" "$GA" > "$OUT/ids.env"
