// `xpr show ID`: one job: its options (resources, fit, env, commands), the job script, the history of its states with
// times, its dirs, and how it ended (the remote error and stack for a failed job). Reads only the store and stage dir.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcomeOf } from '../../src/index.ts';
import { ENDED_STATES, type JobRow } from '../../src/store/index.ts';
import { withContext } from './shared.ts';
import { NoSuchJobError } from './errors.ts';
import { localTime, paint, paintState, shortDuration, useColor } from './format.ts';
import { formatBytes, usageOf, type JobUsage } from '../../src/job/usage.ts';

// How a job ended, as text (null while it has not, or when it succeeded).
function endingOf(row: JobRow): string | null {
  if (!ENDED_STATES.includes(row.state) || row.state === 'succeeded' || row.state === 'processed') return null;
  if (row.state === 'cleaned') return row.reason;
  try {
    outcomeOf(row);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function scriptOf(row: JobRow): { path: string; text: string | null } {
  const name = row.details.scriptName ?? null;
  const path = name ? join(row.stageDir, name) : row.stageDir;
  return { path, text: name && existsSync(path) ? readFileSync(path, 'utf8') : null };
}

// The usage section: what the job used, and who measured it.
function usageLines(u: JobUsage | null): string[] {
  if (!u) return ['  (not measured: the job has not ended, or ended before xpr recorded usage)'];
  const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);
  return [
    `  elapsed:        ${u.elapsed_s === null ? '-' : `${shortDuration(u.elapsed_s)} (${u.elapsed_s} s)`}`,
    `  cpu time:       ${u.cpu_s === null ? '-' : `${u.cpu_s} s`}`,
    `  cores:          ${u.cores ?? '-'}`,
    `  cpu efficiency: ${pct(u.cpu_efficiency)}  (cpu time / (elapsed x cores))`,
    `  peak memory:    ${formatBytes(u.max_rss_bytes)}${u.req_mem_bytes ? ` of ${formatBytes(u.req_mem_bytes)} granted` : ''}`,
    `  measured by:    ${u.source}`,
  ];
}

// Print one job.
export function show(id: string, o: { json?: boolean }): Promise<void> {
  return withContext((ctx) => {
    const row = ctx.store.get(id);
    if (!row) throw new NoSuchJobError(id, ctx.store.path);
    const events = ctx.store.events(id);
    const script = scriptOf(row);
    const error = endingOf(row);
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...row, events, script: script.text, scriptPath: script.path, error, usage: usageOf(row.details) }, null, 2) + '\n');
      return;
    }
    const c = useColor();
    const h = (t: string): string => paint(t, 'bold', c);
    const lines = [
      `${h('id:')}         ${row.id}`,
      `${h('name:')}       ${row.name}`,
      `${h('system:')}     ${row.system}`,
      `${h('state:')}      ${paintState(row.state, c)}${row.reason ? ` (${row.reason})` : ''}`,
      `${h('queue id:')}   ${row.schedulerId ?? '-'}`,
      `${h('cache key:')}  ${row.cacheKey}`,
      `${h('stage dir:')}  ${row.stageDir}`,
      `${h('run dir:')}    ${row.runDir === row.stageDir ? '(the stage dir)' : `${row.system}:${row.runDir}`}`,
      `${h('output dir:')} ${row.outputDir}`,
      h('history:'),
      ...events.map((e) => `  ${localTime(e.at)}  ${e.fromState ?? '-'} → ${paintState(e.toState, c)}${e.detail ? `  (${e.detail})` : ''}`),
      h('usage:'),
      ...usageLines(usageOf(row.details)),
      h('spec:'),
      ...JSON.stringify(row.details, null, 2).split('\n').map((l) => `  ${l}`),
      `${h('job script:')} ${script.path}`,
      ...(script.text === null ? ['  (not in the stage dir)'] : script.text.trimEnd().split('\n').map((l) => `  ${l}`)),
      ...(error ? [h('error:'), ...error.split('\n').map((l) => `  ${l}`)] : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });
}
