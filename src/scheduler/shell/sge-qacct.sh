# SGE accounting of finished jobs for src/scheduler/sge.ts (statusArgvs; sh -c, args: job ids): qacct only for the
# jobs plain qstat does not list (qacct reads the whole accounting file); nothing if qstat itself fails.
# shellcheck shell=sh
out=$(qstat 2>/dev/null) || exit 0
listed=" $(printf '%s\n' "$out" | awk 'NR>2 {printf "%s ", $1}')"
for i in "$@"; do j=${i%%.*}; case "$listed" in *" $j "*) ;; *) qacct -j "$j" 2>/dev/null ;; esac; done
exit 0
