// The one quoting function: turns argv into a POSIX shell command line.
// Every command that reaches a shell (local or remote) is built here; nothing is pasted in unquoted.

// `=` is not safe: a bare first word `A=b` is an assignment in sh, and `=word` expands to a path in zsh.
const SAFE = /^[A-Za-z0-9_@%+:,./-]+$/;

// Quote one argument for a POSIX shell (sh, bash, dash, zsh): safe words stay bare, the rest is single-quoted.
export function quote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError(`Cannot pass a NUL byte to a shell: ${JSON.stringify(arg)}`);
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

// Quote every element of argv and join them into one command line.
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('quoteArgv needs at least one element');
  return argv.map(quote).join(' ');
}
