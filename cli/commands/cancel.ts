// `xpr cancel`: cancel live jobs in their queues (one command per system) and record them as cancelled; their files
// stay; jobs a driver is submitting right now are left alone and reported. Needs a filter (or --all); asks unless --yes.
import { cancelUnended } from '../../src/index.ts';
import { LIVE_STATES } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, confirm, requireFilter, type FilterOptions } from './select.ts';
import { EXIT } from './errors.ts';

// Cancel the selected jobs that have not ended.
export function cancel(o: FilterOptions & { yes?: boolean; dryRun?: boolean }): Promise<void> {
  requireFilter(o, 'xpr cancel');
  return withContext(async (ctx) => {
    const rows = selectJobs(ctx.store, o).filter((r) => LIVE_STATES.includes(r.state) || r.state === 'created');
    if (rows.length === 0) return void process.stdout.write('no matching jobs that have not ended\n');
    if (o.dryRun) return void process.stdout.write(`would cancel ${rows.length} job(s):\n${rows.map((r) => `  ${r.id}  ${r.state}\n`).join('')}`);
    if (!(await confirm(`Cancel ${rows.length} job(s)?`, o.yes))) {
      process.exitCode = EXIT.failed;
      return;
    }
    const report = await cancelUnended(ctx, rows);
    for (const b of report.busy) process.stderr.write(`xpr: ${b.id} is being submitted by ${b.owner}; left alone, try again in a moment\n`);
    process.stdout.write(`cancelled ${report.cancelled.length} job(s)${report.ended.length ? ` (${report.ended.length} had ended meanwhile)` : ''}\n`);
    if (report.busy.length) process.exitCode = EXIT.failed;
  });
}
