# Making a system's base dir for src/system/session.ts (openSession; bash -c, this one line): args: DIR (relative to
# home, or absolute) CODE_DIR; makes DIR and DIR/CODE_DIR (umask 077) and prints DIR's physical path.
umask 077; cd ~ && mkdir -p -- "$1" && cd -- "$1" && mkdir -p -- "$2" && pwd -P
