// `xpr sync`: ask each system once about its live (and died) jobs and record what changed; results of finished jobs
// are brought back as a waiting driver would. Safe while a driver runs on the same store.
import { syncJobs } from '../../src/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, type FilterOptions } from './select.ts';
import { paintState } from './format.ts';
import { EXIT } from './errors.ts';

// Sync the selected jobs (default: all live and died ones).
export function sync(o: FilterOptions & { json?: boolean }): Promise<void> {
  return withContext(async (ctx) => {
    const rows = selectJobs(ctx.store, o);
    const reports = await syncJobs(ctx, rows);
    if (o.json) {
      for (const r of reports) process.stdout.write(JSON.stringify(r) + '\n');
    } else if (reports.length === 0) {
      process.stdout.write('no live or died jobs to sync\n');
    } else {
      for (const r of reports) {
        if (r.error) process.stderr.write(`xpr: system "${r.system}": ${r.error}\n`);
        for (const c of r.changes) process.stdout.write(`${c.id}: ${paintState(c.from)} → ${paintState(c.to)}${c.reason ? ` (${c.reason})` : ''}\n`);
        process.stdout.write(`${r.system}: ${r.checked} job(s) checked, ${r.changes.length} changed${r.error ? ', could not be asked' : ''}\n`);
      }
    }
    if (reports.some((r) => r.error)) process.exitCode = EXIT.failed;
  });
}
