// `xpr cancel`: cancel live jobs in their queues (one command per system) and record them as cancelled.
// Asks first unless --yes.
import { XprContext, cancelJobsPublic } from './shared.ts';
import { selectJobs, confirm, type FilterOptions } from './select.ts';
import { LIVE_STATES } from '../../src/store/index.ts';

// Cancel the selected live jobs.
export async function cancel(o: FilterOptions & { yes?: boolean }): Promise<void> {
  const ctx = new XprContext();
  try {
    const rows = selectJobs(ctx, o).filter((r) => LIVE_STATES.includes(r.state) || r.state === 'created');
    if (rows.length === 0) return void process.stdout.write('no live jobs match\n');
    if (!(await confirm(`Cancel ${rows.length} job(s)?`, o.yes))) return;
    await cancelJobsPublic(ctx, rows);
    process.stdout.write(`cancelled ${rows.length} job(s)\n`);
  } finally {
    await ctx.close();
  }
}
