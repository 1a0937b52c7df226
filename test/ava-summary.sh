#!/bin/bash
# Counts of one ava run from its output (used by test/run-all.sh): prints "<passed> <failed> <skipped or todo>".
# ava's closing summary names the passed count only when nothing failed, so passes are counted from the ✔ lines.
# Usage: bash test/ava-summary.sh <ava output file>
set -u
log=$1
p=$(grep -Eo '^ *[0-9]+ tests? passed' "$log" | grep -Eo '[0-9]+' | tail -1)
[ -n "$p" ] || p=$(grep -cE '^ *✔ ' "$log")
f=$(grep -Eo '^ *[0-9]+ tests? failed' "$log" | grep -Eo '[0-9]+' | tail -1)
s=$(grep -Eo '^ *[0-9]+ (tests? skipped|tests? todo|known failures?)' "$log" | awk '{n += $1} END {print n + 0}')
echo "${p:-0} ${f:-0} ${s:-0}"
