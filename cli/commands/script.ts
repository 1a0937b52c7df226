// `xpr script SYSTEM --resources ...`: print the job script a job with these options would be submitted with,
// rendered by the same code as a real start; nothing is staged or submitted.
import YAML from 'yaml';
import { dryRunScript, type ResourcesInput } from '../../src/index.ts';
import { withContext } from './shared.ts';
import { UsageError } from './errors.ts';

export interface ScriptOptions {
  resources: string | string[];
  name?: string;
  jobId?: string;
  env?: string[];
  preCmd?: string[];
  postCmd?: string[];
  headerExtra?: string[];
  partialNode?: boolean;
  exactFit?: boolean;
  json?: boolean;
}

// Keys whose value is a list: in key=value form `partitions=a,b` and repeated `partitions=` pairs add to it.
const LIST_KEYS = new Set(['partitions', 'queues']);

// One --resources value: JSON/YAML flow text ('{"num_cores": 4, "max_time": "1h"}') or `num_cores=4,max_time=1h`.
function parseOne(text: string): Record<string, unknown> {
  const t = text.trim();
  if (!t.startsWith('{') && t.includes('=')) {
    const out: Record<string, unknown> = {};
    let last: string | null = null;
    for (const pair of t.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0 && last !== null && LIST_KEYS.has(last) && pair.trim() !== '') {
        (out[last] as string[]).push(pair.trim()); // partitions=a,b: b is another partition
        continue;
      }
      if (eq <= 0) throw new UsageError(`--resources: expected key=value pairs separated by commas, got ${JSON.stringify(pair)}`);
      const key = pair.slice(0, eq).trim();
      const v = pair.slice(eq + 1).trim();
      if (LIST_KEYS.has(key)) out[key] = [...((out[key] as string[] | undefined) ?? []), v];
      else out[key] = /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      last = key;
    }
    return out;
  }
  let value: unknown;
  try {
    value = YAML.parse(t);
  } catch (err) {
    throw new UsageError(`--resources: not JSON/YAML: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`--resources: expected an object such as '{"num_cores": 4, "max_time": "1h"}' or num_cores=4,max_time=1h`);
  }
  return value as Record<string, unknown>;
}

// Parse --resources, given once or several times (later values win, except that partitions/queues add up).
export function parseResources(text: string | readonly string[]): ResourcesInput {
  const out: Record<string, unknown> = {};
  for (const one of typeof text === 'string' ? [text] : text) {
    for (const [key, value] of Object.entries(parseOne(one))) {
      const prev = out[key];
      const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);
      out[key] = LIST_KEYS.has(key) && prev !== undefined ? [...asList(prev), ...asList(value)] : value;
    }
  }
  return out as unknown as ResourcesInput;
}

// Print the script.
export function script(system: string, o: ScriptOptions): Promise<void> {
  return withContext(async (ctx) => {
    const s = await dryRunScript(ctx, {
      system, resources: parseResources(o.resources), name: o.name, jobId: o.jobId, envVars: o.env ?? [], preCmds: o.preCmd ?? [],
      postCmds: o.postCmd ?? [], headerExtra: o.headerExtra ?? [], partialNode: o.partialNode, exactFit: o.exactFit,
    });
    if (o.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    process.stderr.write(`xpr: ${s.scriptName} for ${s.system}, partition ${s.fit.partition}, ${s.fit.numNodes} node(s), ${s.fit.numCores} core(s); submitted from ${s.jobDir} with: ${s.submitArgv.join(' ')}\n`);
    process.stdout.write(s.text);
  });
}
