// `xpr gc --older-than AGE`: delete the files (here and on the system) and rows of jobs that are processed, cleaned,
// failed or cancelled and have not changed for longer than AGE. --dry-run lists them. Also removes the temporary dirs
// of drivers killed while staging or fetching (src/system/leftovers.ts).
import { join } from 'node:path';
import { gcCandidates, removeJobs, GC_STATES, oldItemKeys } from '../../src/index.ts';
import { sweepLeftovers } from '../../src/system/leftovers.ts';
import { withContext } from './shared.ts';
import { confirm } from './select.ts';
import { shortDuration } from './format.ts';
import { EXIT } from './errors.ts';

// Collect old finished jobs.
// With `items`, also item results stored longer than AGE ago.
export function gc(o: { olderThan: number; yes?: boolean; dryRun?: boolean; items?: boolean }): Promise<void> {
  return withContext(async (ctx) => {
    if (!o.dryRun) {
      const swept = sweepLeftovers(join(ctx.config.projectRoot, 'xpr-stage'));
      if (swept.length) process.stdout.write(`removed ${swept.length} temporary dir(s) left by killed drivers\n`);
    }
    const rows = gcCandidates(ctx, o.olderThan);
    const items = o.items ? oldItemKeys(ctx.store, o.olderThan) : [];
    const nowS = Date.now() / 1000;
    if (rows.length === 0 && items.length === 0) {
      return void process.stdout.write(`no ${GC_STATES.join('/')} jobs unchanged for more than ${shortDuration(o.olderThan)}${o.items ? ' and no item results stored before then' : ''}\n`);
    }
    const list = rows.map((r) => `  ${r.id}  ${r.state}  changed ${shortDuration(nowS - r.updatedAt)} ago\n`).join('');
    const itemsWhat = o.items ? ` and ${items.length} item result(s)` : '';
    if (o.dryRun) return void process.stdout.write(`would delete ${rows.length} job(s) and their files${itemsWhat}:\n${list}`);
    if (!(await confirm(`Delete ${rows.length} job(s) and their files${itemsWhat}?`, o.yes))) {
      process.exitCode = EXIT.failed;
      return;
    }
    const report = rows.length ? await removeJobs(ctx, rows, { clean: true }) : { removed: [] };
    const dropped = ctx.store.deleteItemResults(items);
    process.stdout.write(`deleted ${report.removed.length} job(s) and their files${o.items ? ` and ${dropped} item result(s)` : ''}\n`);
  });
}
