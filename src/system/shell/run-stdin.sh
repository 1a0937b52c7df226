# The command every generated program of src/system/remote-script.ts runs under (bash -c, this one line): saves the
# program from stdin to a temp file (no argv size limit; nothing it runs can read it from stdin), runs and removes it.
f=$(mktemp "${TMPDIR:-/tmp}/xpr.XXXXXX") || exit 97; cat > "$f"; bash "$f"; rc=$?; rm -f "$f"; exit $rc
