// `xpr reset-status --to <state>`: force jobs into a state, recording an event; for repairs by hand.
// Asks first unless --yes.
import { XprContext } from '../../src/index.ts';
import type { JobState } from '../../src/store/index.ts';
import { selectJobs, confirm, type FilterOptions } from './select.ts';

// Force the selected jobs into state `to`.
export async function resetStatus(o: FilterOptions & { to: JobState; yes?: boolean }): Promise<void> {
  const ctx = new XprContext();
  try {
    const rows = selectJobs(ctx, o);
    if (rows.length === 0) return void process.stdout.write('no jobs match\n');
    if (!(await confirm(`Force ${rows.length} job(s) to ${o.to}?`, o.yes))) return;
    for (const r of rows) ctx.store.transition(r.id, o.to, { force: true, reason: 'reset by xpr reset-status' });
    process.stdout.write(`${rows.length} job(s) now ${o.to}\n`);
  } finally {
    await ctx.close();
  }
}
