// Pieces shared by the Slurm, SGE and PBS backends: the exit-code marker around status queries, tolerant
// line splitting, signal names, scheduler id checks, and the scheduler environment a nested submit should drop.
import type { SchedulerKind } from '../config/types.ts';
import { SchedulerArgumentError } from './errors.ts';
import { schedulerShell } from './shell-scripts.ts';

/** Printed on its own line after a wrapped query: `xpr-rc=<exit code>` (by shell/exit-marker*.sh, which spell it). */
export const EXIT_MARKER = 'xpr-rc=';

// Wrap argv so its output ends with its exit code (shell/exit-marker.sh: stderr folded into stdout; with keepStderr
// shell/exit-marker-stdout.sh, for JSON output that stderr lines would corrupt); lets a parser tell "listed nothing"
// from "could not ask".
export function withExitMarker(argv: readonly string[], opts: { keepStderr?: boolean } = {}): string[] {
  return ['sh', '-c', schedulerShell(opts.keepStderr ? 'exit-marker-stdout' : 'exit-marker'), 'sh', ...argv];
}

/** Output of a wrapped command: the text before the marker and the exit code (null: no marker, the command never ran). */
export interface MarkedOutput {
  text: string;
  rc: number | null;
}

// Split a wrapped command's output into its text and exit code; a missing or garbled marker gives rc null.
export function splitExitMarker(output: string): MarkedOutput {
  const re = new RegExp(`(?:^|\\n)${EXIT_MARKER}(\\d+)\\s*$`);
  const m = re.exec(output);
  if (!m) return { text: output, rc: null };
  return { text: output.slice(0, m.index), rc: Number(m[1]) };
}

// Non-blank lines with surrounding whitespace (and CR) removed.
export function outputLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ',
};

// "signal 15 (SIGTERM)" (Linux numbering).
export function describeSignal(signal: number): string {
  const name = SIGNALS[signal];
  return name ? `signal ${signal} (${name})` : `signal ${signal}`;
}

// Refuse scheduler ids that would break a comma- or space-separated id list (they come from submit output, so this is a bug guard).
export function checkSchedulerIds(ids: readonly string[], argument: string): void {
  for (const id of ids) {
    if (!/^[A-Za-z0-9_.\-[\]+:@]+$/.test(id)) {
      throw new SchedulerArgumentError(argument, id, 'a scheduler job id is letters, digits and _ . - [ ] + : @ only');
    }
  }
}

/**
 * Prefixes of the environment variables a scheduler sets inside a running job. A submit made from inside a
 * job (WFL_SCHEDULER_IGNORE_ENV) should drop them, or the new job inherits the old job's settings.
 */
export function schedulerEnvPrefixes(kind: SchedulerKind): string[] {
  switch (kind) {
    case 'slurm': return ['SLURM_'];
    case 'sge': return ['SGE_'];
    case 'pbs': return ['PBS_'];
    case 'local': return [];
  }
}

/** Variables with those prefixes that locate the scheduler itself: unsetting them would break the submit command. */
export const SCHEDULER_ENV_KEEP: readonly string[] = [
  'SLURM_CONF', 'SGE_ROOT', 'SGE_CELL', 'SGE_QMASTER_PORT', 'SGE_EXECD_PORT', 'SGE_CLUSTER_NAME',
  'PBS_CONF_FILE', 'PBS_EXEC', 'PBS_HOME', 'PBS_SERVER', 'PBS_DEFAULT',
];

// One shell line that unsets, in the shell that runs it, every SLURM_/SGE_/PBS_ variable except SCHEDULER_ENV_KEEP:
// a submit from inside a job then does not inherit that job's settings (ExPyRe's WFL_SCHEDULER_IGNORE_ENV).
export function unsetSchedulerEnvLine(): string {
  const prefixes = (['slurm', 'sge', 'pbs'] as const).flatMap(schedulerEnvPrefixes).map((p) => `${p}*`);
  return `for xpr_v in $(compgen -e); do case $xpr_v in ${SCHEDULER_ENV_KEEP.join('|')}) ;; ${prefixes.join('|')}) unset "$xpr_v";; esac; done`;
}

// Refuse a batch output file name that a `#SBATCH`/`#$`/`#PBS` line would split or expand (space, quote, $, backslash).
export function checkOutputFileName(name: string, argument: string): void {
  if (name === '' || /[\s'"`$\\]/.test(name)) {
    throw new SchedulerArgumentError(argument, name, 'a batch output file name must be non-empty, without spaces, quotes, $ or backslashes');
  }
}

/** Array task numbers of a list such as `2-5,7` (Slurm) or `3-9:2,11` (SGE). */
export function expandTaskList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const step = Math.max(1, Number(m[3] ?? 1));
    for (let k = first; k <= last; k += step) out.push(k);
  }
  return out;
}
