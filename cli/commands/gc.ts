// `xpr gc --older-than AGE`: delete the files (here and on the system) and rows of jobs that are processed, cleaned,
// failed or cancelled and have not changed for longer than AGE. --dry-run lists them. Also removes the temporary dirs
// of drivers killed while staging or fetching (src/job/leftovers.ts).
import { join } from 'node:path';
import { gcCandidates, removeJobs, GC_STATES } from '../../src/index.ts';
import { sweepLeftovers } from '../../src/job/leftovers.ts';
import { withContext } from './shared.ts';
import { confirm } from './select.ts';
import { shortDuration } from './format.ts';
import { EXIT } from './errors.ts';

// Collect old finished jobs.
export function gc(o: { olderThan: number; yes?: boolean; dryRun?: boolean }): Promise<void> {
  return withContext(async (ctx) => {
    if (!o.dryRun) {
      const swept = sweepLeftovers(join(ctx.config.projectRoot, 'xpr-stage'));
      if (swept.length) process.stdout.write(`removed ${swept.length} temporary dir(s) left by killed drivers\n`);
    }
    const rows = gcCandidates(ctx, o.olderThan);
    const nowS = Date.now() / 1000;
    if (rows.length === 0) return void process.stdout.write(`no ${GC_STATES.join('/')} jobs unchanged for more than ${shortDuration(o.olderThan)}\n`);
    const list = rows.map((r) => `  ${r.id}  ${r.state}  changed ${shortDuration(nowS - r.updatedAt)} ago\n`).join('');
    if (o.dryRun) return void process.stdout.write(`would delete ${rows.length} job(s) and their files:\n${list}`);
    if (!(await confirm(`Delete ${rows.length} job(s) and their files?`, o.yes))) {
      process.exitCode = EXIT.failed;
      return;
    }
    const report = await removeJobs(ctx, rows, { clean: true });
    process.stdout.write(`deleted ${report.removed.length} job(s) and their files\n`);
  });
}
