// Job selection shared by the commands that take filters (ls, cancel, rm, reset-status).
// Filters are applied in SQL where they can be (state, system, ids) and by regexp on names.
import { JOB_STATES, LIVE_STATES, type JobRow, type JobState } from '../../src/store/index.ts';
import { XprContext } from '../../src/index.ts';
import { XprError } from '../../src/errors.ts';

export interface FilterOptions {
  state?: string;
  system?: string;
  name?: string;
  id?: string[];
}

export class CliUsageError extends XprError {
  override name = 'CliUsageError';
}

// The jobs of this project that match the filters.
export function selectJobs(ctx: XprContext, o: FilterOptions): JobRow[] {
  let states: JobState[] | undefined;
  if (o.state) {
    states = o.state.split(',').flatMap((s) => (s === 'live' ? [...LIVE_STATES] : [s as JobState]));
    const bad = states.filter((s) => !JOB_STATES.includes(s));
    if (bad.length) throw new CliUsageError(`--state: unknown state ${bad.join(', ')}; expected one of ${JOB_STATES.join(', ')}, live`);
  }
  let nameRe: RegExp | undefined;
  if (o.name) {
    try {
      nameRe = new RegExp(o.name);
    } catch (err) {
      throw new CliUsageError(`--name: not a regular expression: ${(err as Error).message}`);
    }
  }
  return ctx.store
    .list({ states, system: o.system, ids: o.id })
    .filter((r) => !nameRe || nameRe.test(r.name));
}

// Ask before a destructive action on a TTY; without a TTY, --yes is required.
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new CliUsageError(`${question} — refusing without --yes (stdin is not a terminal)`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
