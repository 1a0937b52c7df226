// Running a generated shell program on a system (sent on stdin, so no argv size limit), and the shell lines every
// such program may start with: the scheduler env reset (WFL_SCHEDULER_IGNORE_ENV) and the pre_submit_cmds.
import { join } from 'node:path';
import { quote } from '../transport/quote.ts';
import { unsetSchedulerEnvLine } from '../scheduler/common.ts';
import { shellOneLiner } from './shell-files.ts';
import type { SystemSession } from './session.ts';

// Run a generated program (shell-files.ts: the .sh functions, then calls with every value quoted) on the system. It
// goes on stdin (shell/run-stdin.sh), so no argv size limit applies (a single argv element, and so a whole ssh
// command line, is capped at 128 KiB on Linux) and nothing the program runs can read it from stdin.
export async function runScript(session: SystemSession, script: string, idempotent: boolean, signal?: AbortSignal) {
  return session.transport.exec(['bash', '-c', shellOneLiner('run-stdin')], { stdin: script, idempotent, signal });
}

export function envPreamble(session: SystemSession): string[] {
  if (!session.env.WFL_SCHEDULER_IGNORE_ENV) return [];
  return [unsetSchedulerEnvLine()];
}

// pre_submit_cmds are argv tokens (as in ExPyRe); shell operators among them stay operators, a leading NAME=value
// stays an assignment (its value quoted), everything else is quoted.
export function preSubmit(tokens: readonly string[]): string[] {
  if (tokens.length === 0) return [];
  const ops = new Set(['&&', '||', ';', '|']);
  const word = (t: string): string => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t);
    return m ? `${m[1]}=${quote(m[2]!)}` : quote(t);
  };
  return [tokens.map((t) => (ops.has(t) ? t : word(t))).join(' ')];
}
