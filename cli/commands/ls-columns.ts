// The columns `xpr ls` can show and `--format` picks from (squeue's -o habit): each a name, a header and how to
// render a job's LsRecord; plus parsing of the --format list, which names the valid columns when one is unknown.
import { localTime, paintState, shortDuration } from './format.ts';
import type { JobRow } from '../../src/store/index.ts';
import type { LsRecord } from './ls.ts';
import { UsageError } from './errors.ts';
import { formatBytes } from '../../src/job/usage.ts';

export interface LsColumn {
  header: string;
  cell(r: LsRecord, opts: { colour: boolean; long: boolean }): string;
}

function statusText(r: LsRecord, colour: boolean, width: number | null): string {
  const reason = r.reason ?? '';
  const shown = width !== null && reason.length > width ? `${reason.slice(0, width - 1)}…` : reason;
  return paintState(r.state as JobRow['state'], colour) + (shown ? ` (${shown})` : '');
}

/** Every column, by the name --format takes. */
export const LS_COLUMNS: Record<string, LsColumn> = {
  id: { header: 'id', cell: (r) => r.id },
  name: { header: 'name', cell: (r) => r.name },
  system: { header: 'system', cell: (r) => r.system },
  status: { header: 'status', cell: (r, o) => statusText(r, o.colour, o.long ? null : 40) },
  state: { header: 'state', cell: (r, o) => paintState(r.state as JobRow['state'], o.colour) },
  reason: { header: 'reason', cell: (r) => r.reason ?? '-' },
  queue_id: { header: 'queue id', cell: (r) => r.schedulerId ?? '-' },
  age: { header: 'age', cell: (r) => shortDuration(r.ageS) },
  duration: { header: 'duration', cell: (r) => (r.durationS === null ? '-' : shortDuration(r.durationS)) },
  partition: { header: 'partition', cell: (r) => r.partition ?? '-' },
  cores: { header: 'cores', cell: (r) => (r.numCores === null ? '-' : String(r.numCores)) },
  elapsed: { header: 'elapsed', cell: (r) => (r.usage?.elapsed_s == null ? '-' : shortDuration(r.usage.elapsed_s)) },
  cpu_eff: { header: 'cpu eff', cell: (r) => (r.usage?.cpu_efficiency == null ? '-' : `${Math.round(r.usage.cpu_efficiency * 100)}%`) },
  peak_mem: { header: 'peak mem', cell: (r) => (r.usage ? formatBytes(r.usage.max_rss_bytes) : '-') },
  created: { header: 'created', cell: (r) => localTime(r.createdAt) },
  changed: { header: 'changed', cell: (r) => localTime(r.updatedAt) },
  stage_dir: { header: 'stage dir', cell: (r) => r.stageDir },
  run_dir: { header: 'run dir', cell: (r) => r.runDir },
};

export const DEFAULT_COLUMNS = ['id', 'name', 'system', 'status', 'queue_id', 'age', 'duration'];
export const LONG_COLUMNS = [...DEFAULT_COLUMNS, 'partition', 'cores', 'elapsed', 'cpu_eff', 'peak_mem', 'created', 'changed', 'stage_dir'];

// The columns of a --format value ("id,state,age"; spaces and "-" for "_" allowed); an unknown or empty one is a
// UsageError listing the valid names.
export function parseColumns(format: string): string[] {
  const names = format.split(',').map((c) => c.trim().toLowerCase().replace(/-/g, '_')).filter((c) => c !== '');
  const valid = Object.keys(LS_COLUMNS).join(', ');
  if (names.length === 0) throw new UsageError(`--format: expected comma-separated columns; valid columns: ${valid}`);
  const unknown = names.filter((c) => !Object.hasOwn(LS_COLUMNS, c));
  if (unknown.length > 0) {
    throw new UsageError(`--format: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => JSON.stringify(c)).join(', ')}; valid columns: ${valid}`);
  }
  return names;
}
