#!/bin/bash
# test/cluster/running.sh: prints the components whose recorded daemon is alive now, comma-separated (may be empty).
# Test and bench runners call it before up.sh, then pass the list to `down.sh --keep`: they stop only what they started.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
up=()
for name in sshd sge_execd sge_qmaster slurmd slurmctld slurmdbd mariadb munged; do
  if is_up "$name"; then up+=("$name"); fi
done
(IFS=,; echo "${up[*]}")
