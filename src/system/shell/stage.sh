# Unpacking staged job dirs and code files for src/system/system-ops.ts (stageJobs; bash -c, this one line): the tar
# stream on stdin into BASE; args: BASE CODE_DIR NAME... Prints each NAME not (or no longer) in CODE_DIR.
umask 077 && mkdir -p "$1" && cd "$1" && tar -xf - && xpr_code=$2 && shift 2 && for f; do [ -e "$xpr_code/$f" ] || printf '%s\n' "$f"; done
