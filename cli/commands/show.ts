// `xpr show <id>`: one job's stored details and the history of its states.
// Reads only the store.
import { XprContext } from '../../src/index.ts';
import { CliUsageError } from './select.ts';

// Print one job.
export function show(id: string, o: { json?: boolean }): void {
  const ctx = new XprContext();
  try {
    const row = ctx.store.get(id);
    if (!row) throw new CliUsageError(`no job ${id} in ${ctx.store.path} (xpr ls lists them)`);
    const events = ctx.store.events(id);
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...row, events }, null, 2) + '\n');
      return;
    }
    const lines = [
      `id:         ${row.id}`,
      `name:       ${row.name}`,
      `system:     ${row.system}`,
      `state:      ${row.state}${row.reason ? ` (${row.reason})` : ''}`,
      `queue id:   ${row.schedulerId ?? '-'}`,
      `cache key:  ${row.cacheKey}`,
      `stage dir:  ${row.stageDir}`,
      `run dir:    ${row.runDir}`,
      `details:    ${JSON.stringify(row.details)}`,
      'history:',
      ...events.map((e) => `  ${new Date(e.at * 1000).toISOString()}  ${e.fromState ?? '-'} → ${e.toState}${e.detail ? `  (${e.detail})` : ''}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    void ctx.close();
  }
}
