// `xpr ls`: a table of the project's jobs (or NDJSON with --json).
// Reads only the store; it never contacts a system.
import Table from 'cli-table3';
import { XprContext } from '../../src/index.ts';
import { selectJobs, type FilterOptions } from './select.ts';

// Print the selected jobs.
export function ls(o: FilterOptions & { json?: boolean }): void {
  const ctx = new XprContext();
  try {
    const rows = selectJobs(ctx, o);
    if (o.json) {
      for (const r of rows) process.stdout.write(JSON.stringify({ id: r.id, name: r.name, system: r.system, state: r.state, reason: r.reason, schedulerId: r.schedulerId, createdAt: r.createdAt, updatedAt: r.updatedAt }) + '\n');
      return;
    }
    const plain = !process.stdout.isTTY;
    const table = new Table({ head: ['id', 'system', 'state', 'queue id', 'updated', 'reason'], ...(plain ? { style: { head: [], border: [] } } : {}) });
    for (const r of rows) {
      table.push([r.id, r.system, r.state, r.schedulerId ?? '', new Date(r.updatedAt * 1000).toISOString().replace('T', ' ').slice(0, 19), (r.reason ?? '').slice(0, 60)]);
    }
    process.stdout.write(rows.length ? `${table.toString()}\n${rows.length} job(s) in ${ctx.store.path}\n` : `no jobs in ${ctx.store.path}\n`);
  } finally {
    void ctx.close();
  }
}
