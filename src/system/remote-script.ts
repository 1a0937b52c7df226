// Running a generated shell script on a system (sent on stdin, so no argv size limit), and the shell lines every
// such script may start with: the scheduler env reset (WFL_SCHEDULER_IGNORE_ENV) and the pre_submit_cmds.
import { join } from 'node:path';
import { quote } from '../transport/quote.ts';
import { unsetSchedulerEnvLine } from '../scheduler/common.ts';
import type { SystemSession } from './session.ts';

// Runs a script that arrives on stdin: saved to a temp file first, so no size limit applies (a single argv element,
// and so a whole ssh command line, is capped at 128 KiB on Linux) and nothing the script runs can read it from stdin.
const RUN_STDIN_SCRIPT = 'f=$(mktemp "${TMPDIR:-/tmp}/xpr.XXXXXX") || exit 97; cat > "$f"; bash "$f"; rc=$?; rm -f "$f"; exit $rc';

// Run a generated script (every value in it already quoted with quote()) on the system.
export async function runScript(session: SystemSession, script: string, idempotent: boolean, signal?: AbortSignal) {
  return session.transport.exec(['bash', '-c', RUN_STDIN_SCRIPT], { stdin: script, idempotent, signal });
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
