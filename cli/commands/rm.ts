// `xpr rm`: forget jobs. Needs a filter (or --all); live jobs are always cancelled in their queue first, so nothing is
// left running (ExPyRe B19); -c/--clean also deletes their dirs here and on the system. --dry-run only lists.
import { removeJobs, callSelection, jobsItemKeys } from '../../src/index.ts';
import type { JobStore } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { selectJobs, confirm, requireFilter, type FilterOptions } from './select.ts';
import { LIVE_STATES } from '../../src/store/index.ts';
import { EXIT } from './errors.ts';

export interface RmOptions extends FilterOptions {
  yes?: boolean;
  clean?: boolean;
  dryRun?: boolean;
  /** Also drop the item results the selected jobs produced (with `call`: the call's item results and its record). */
  items?: boolean;
  /** Select the jobs of this autoparallelize call. */
  call?: string;
}

// Remove the selected jobs.
export function rm(o: RmOptions): Promise<void> {
  if (o.call === undefined) requireFilter(o, 'xpr rm');
  return withContext(async (ctx) => {
    const call = o.call !== undefined ? callSelection(ctx.store, o.call) : null;
    const rows = call ? selectJobs(ctx.store, o).filter((r) => call.jobIds.includes(r.id)) : selectJobs(ctx.store, o);
    const items = o.items ? (call ? call.itemKeys : jobsItemKeys(ctx.store, rows.map((r) => r.id))) : [];
    if (rows.length === 0 && items.length === 0) {
      if (call && o.items && !o.dryRun) ctx.store.deleteCall(o.call!);
      return void process.stdout.write('no matching jobs\n');
    }
    const itemsWhat = o.items ? ` and ${items.length} item result(s)${call ? ' of the call' : ' they produced'}` : '';
    if (rows.length === 0) {
      if (o.dryRun) return void process.stdout.write(`would drop ${items.length} item result(s)\n`);
      if (!(await confirm(`Drop ${items.length} item result(s)?`, o.yes))) return void (process.exitCode = EXIT.failed);
      process.stdout.write(`dropped ${dropItems(ctx.store, items, call ? o.call! : null)} item result(s)\n`);
      return;
    }
    const live = rows.filter((r) => LIVE_STATES.includes(r.state));
    const what = `${rows.length} job(s)${live.length ? `, cancelling ${live.length} live one(s) first` : ''}${o.clean ? ', deleting their dirs here and on their systems' : ' (keeping their files; -c deletes them)'}`;
    if (o.dryRun) {
      process.stdout.write(`would remove ${what}${itemsWhat}:\n${rows.map((r) => `  ${r.id}  ${r.state}${o.clean ? `  ${r.stageDir}${r.runDir !== r.stageDir ? `  ${r.system}:${r.runDir}` : ''}` : ''}\n`).join('')}`);
      return;
    }
    if (!(await confirm(`Remove ${what}${itemsWhat}?`, o.yes))) {
      process.stderr.write('xpr: nothing removed\n');
      process.exitCode = EXIT.failed;
      return;
    }
    const report = await removeJobs(ctx, rows, { clean: o.clean });
    if (o.items) process.stdout.write(`dropped ${dropItems(ctx.store, items, call ? o.call! : null)} item result(s)\n`);
    for (const b of report.busy) process.stderr.write(`xpr: ${b.id} is being submitted by ${b.owner}; left alone, try again in a moment\n`);
    process.stdout.write(`removed ${report.removed.length} job(s)${report.cancelled.length ? ` (${report.cancelled.length} cancelled first)` : ''}${o.clean ? ' and their files' : ''}\n`);
    for (const u of report.unreachable) process.stderr.write(`xpr: ${u.id}: system "${u.system}" is not in the config any more; its job dir ${u.runDir} there was left\n`);
    if (report.keptDirs.length) {
      process.stdout.write(`kept their files (delete them with -c next time):\n${report.keptDirs.map((k) => `  ${k.stageDir}${k.runDir ? `  ${k.system}:${k.runDir}` : ''}\n`).join('')}`);
    }
    if (report.busy.length) process.exitCode = EXIT.failed;
  });
}

// Drop item results (and, for a call, its record). Returns how many results were dropped.
function dropItems(store: JobStore, itemKeys: readonly string[], callKey: string | null): number {
  const n = store.deleteItemResults(itemKeys);
  if (callKey !== null) store.deleteCall(callKey);
  return n;
}
