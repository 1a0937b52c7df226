# Secret env values for src/job/lifecycle.ts (sendSecretEnv): written into job dirs on the system (umask 077 from
# stdin-program.sh), from this program read on stdin by bash itself: never in a file or an argv on the system.
# shellcheck shell=bash
# Needs the file names block (XPR_JOB_*) of shell-files.ts.

# xpr_write_secret_env JOB_DIR TEXT: TEXT (export lines) into the job dir's secret env file, made with the dir if need be.
xpr_write_secret_env() {
  mkdir -p "$1" && printf '%s' "$2" > "$1/$XPR_JOB_SECRET_ENV"
}
