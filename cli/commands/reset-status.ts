// `xpr reset-status STATE` (ExPyRe's reset_status; --to STATE also works): force jobs into a state, recording an event;
// for repairs by hand. Needs a filter (or --all); asks first unless --yes.
import { JOB_STATES, type JobState } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, confirm, requireFilter, statesOf, type FilterOptions } from './select.ts';
import { EXIT, UsageError } from './errors.ts';

// Force the selected jobs into a state.
export function resetStatus(state: string | undefined, o: FilterOptions & { to?: string; yes?: boolean }): Promise<void> {
  const word = state ?? o.to;
  if (!word) throw new UsageError(`reset-status needs the new state, e.g. \`xpr reset-status failed -i ID\`; one of ${JOB_STATES.join(', ')}`);
  if (state && o.to && state !== o.to) throw new UsageError(`reset-status: the state is given twice (${state} and --to ${o.to})`);
  const [to] = statesOf([word], 'reset-status');
  if (!(JOB_STATES as readonly string[]).includes(word) && word !== 'started') throw new UsageError(`reset-status: ${word} is a group; give one state`);
  requireFilter(o, 'xpr reset-status');
  return withContext(async (ctx) => {
    const rows = selectJobs(ctx.store, o);
    if (rows.length === 0) return void process.stdout.write('no matching jobs\n');
    if (!(await confirm(`Force ${rows.length} job(s) to ${to}?`, o.yes))) {
      process.exitCode = EXIT.failed;
      return;
    }
    for (const r of rows) ctx.store.transition(r.id, to as JobState, { force: true, reason: 'reset by xpr reset-status' });
    process.stdout.write(`${rows.length} job(s) now ${to}\n`);
  });
}
