// `xpr rm`: cancel live jobs, delete their files on the system and here, and forget them (ExPyRe B19 fixed:
// nothing is left running or on disk). Asks first unless --yes.
import { XprContext, cancelJobsPublic, cleanJobs } from './shared.ts';
import { selectJobs, confirm, type FilterOptions } from './select.ts';
import { LIVE_STATES } from '../../src/store/index.ts';

// Remove the selected jobs entirely.
export async function rm(o: FilterOptions & { yes?: boolean }): Promise<void> {
  const ctx = new XprContext();
  try {
    const rows = selectJobs(ctx, o);
    if (rows.length === 0) return void process.stdout.write('no jobs match\n');
    if (!(await confirm(`Remove ${rows.length} job(s) and their files?`, o.yes))) return;
    const live = rows.filter((r) => LIVE_STATES.includes(r.state));
    await cancelJobsPublic(ctx, live);
    await cleanJobs(ctx, rows.map((r) => ctx.store.get(r.id)!));
    ctx.store.deleteJobs(rows.map((r) => r.id));
    process.stdout.write(`removed ${rows.length} job(s)${live.length ? ` (${live.length} cancelled first)` : ''}\n`);
  } finally {
    await ctx.close();
  }
}
