# Runs a program read from stdin by bash itself (bash -c, this one line), for src/job/lifecycle.ts's secret env:
# unlike run-stdin.sh nothing of it is saved to a file; everything it makes is private to the user (umask 077).
umask 077 && exec bash -s
