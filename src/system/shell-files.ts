// The shell xpr runs on a system lives in .sh files beside this module (src/system/shell/, copied into the build by
// cli/build/copy-assets.mjs, checked by shellcheck in test/unit/system/shellcheck.test.ts). This module reads them and
// builds what is sent: a program is the .sh functions it needs, then a generated block of the job-dir and base-dir
// file names (from runner/contract.ts, the one owner of those names: no .sh file spells one), then generated lines
// that are only calls of those functions with every argument quoted by quote().
import { readFileSync } from 'node:fs';
import { quote, quoteArgv } from '../transport/quote.ts';
import { ArrayFiles, BaseFiles, JobFiles } from '../runner/contract.ts';

/** The function files sent on stdin ahead of a generated program (src/system/shell/<name>.sh). */
export type ShellLibrary = 'lib' | 'submit' | 'array' | 'poll' | 'fetch' | 'remove' | 'secret-env' | 'job';
/** The one-line scripts run as `bash -c` (src/system/shell/<name>.sh; their comment lines are dropped). */
export type ShellOneLiner = 'run-stdin' | 'stdin-program' | 'stage' | 'base-dir';

const texts = new Map<string, string>();

// The text of src/system/shell/<name>.sh (read once per process; the same relative path in src/ and dist/src/).
export function shellFile(name: ShellLibrary | ShellOneLiner): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./shell/${name}.sh`, import.meta.url), 'utf8');
    texts.set(name, text);
  }
  return text;
}

// The command line of a one-line script: its one line that is not a comment.
export function shellOneLiner(name: ShellOneLiner): string {
  const lines = shellFile(name).split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length !== 1) throw new Error(`src/system/shell/${name}.sh must hold one command line, not ${lines.length}`);
  return lines[0]!;
}

/** The contract's name groups and the prefix of their shell variables: `JobFiles.schedulerId` is `$XPR_JOB_SCHEDULER_ID`. */
const NAME_GROUPS = [['XPR_JOB_', JobFiles], ['XPR_BASE_', BaseFiles], ['XPR_ARRAY_', ArrayFiles]] as const;

/** The shell variable holding a contract name: `XPR_JOB_` + `schedulerId` -> `XPR_JOB_SCHEDULER_ID`. */
export function shellNameVariable(prefix: string, key: string): string {
  return prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

// Every job-dir, base-dir and array-dir file name of runner/contract.ts as a shell variable, name -> value.
export function shellNames(): Map<string, string> {
  return new Map(NAME_GROUPS.flatMap(([prefix, names]) =>
    Object.entries(names).map(([key, value]) => [shellNameVariable(prefix, key), value] as const)));
}

// The generated block that gives the .sh functions their file names.
export function shellNamesBlock(): string[] {
  return [...shellNames()].map(([name, value]) => `${name}=${quote(value)}`);
}

// The names block cut to the variables `code` reads (a job script carries only the few names job.sh uses).
export function shellNamesBlockFor(code: string): string[] {
  return [...shellNames()].filter(([name]) => new RegExp(`\\$\\{?${name}(?![A-Z0-9_])`).test(code)).map(([name, value]) => `${name}=${quote(value)}`);
}

// A library file without its comments, for text that is stored and shown (a job script): shellcheck directives stay.
export function shellFunctionsOnly(name: ShellLibrary): string[] {
  return shellFile(name).split('\n').filter((l) => l.trim() !== '' && (!l.trimStart().startsWith('#') || /^\s*# shellcheck disable=/.test(l)));
}

// A program: the library files, the names block, then `lines` (calls of the libraries' functions, quoted data).
export function shellProgram(libraries: readonly ShellLibrary[], lines: readonly string[]): string {
  return [...libraries.map(shellFile), ...shellNamesBlock(), ...lines, ''].join('\n');
}

// A shell call: the function name and its arguments, each quoted.
export function shellCall(fn: string, ...args: ReadonlyArray<string | number>): string {
  return quoteArgv([fn, ...args.map(String)]);
}

/** An argv list as the arguments xpr_run_argvs (lib.sh) reads: the count, then per argv its length and its words. */
export function argvListArgs(argvs: readonly (readonly string[])[]): string[] {
  return [String(argvs.length), ...argvs.flatMap((argv) => [String(argv.length), ...argv])];
}
