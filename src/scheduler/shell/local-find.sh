# Find-by-name of the local queue (src/scheduler/local.ts findByNameArgvs; sh -c, args: QUEUE_DIR NAME): prints the
# number of every record of local-queue.sh, published or still a draft, whose job dir ends in /NAME.
# shellcheck shell=sh
# Drafts are listed first: one published meanwhile is then among the records listed after (a number found twice is
# one job).
f() { for d in "$@"; do [ -r "$d/jobdir" ] || continue; j=$(cat "$d/jobdir"); [ "${j##*/}" = "$N" ] && basename "$d"; done; }
N=$2; f "$1"/drafts/*/; f "$1"/jobs/*/; exit 0
