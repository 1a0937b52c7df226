// The program that runs inside a job on the compute node: decode inputs, run the op, write results atomically.
// Bundled into one ESM file (bundle/runner-bundle.ts); needs only Node.js. Usage: node runner.mjs <job dir>
import { readFileSync, writeFileSync, renameSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encode, decode } from '../codec/index.ts';
import { JobFiles, RUNNER_SPEC_VERSION, type RunnerSpec } from './contract.ts';

// Entry point: run the job in the dir given as argv[2] (default: cwd). Exit code 0 = result written.
export async function runnerMain(): Promise<void> {
  const jobDir = resolve(process.argv[2] ?? '.');
  try {
    const spec = JSON.parse(readFileSync(join(jobDir, JobFiles.spec), 'utf8')) as RunnerSpec;
    if (spec.version !== RUNNER_SPEC_VERSION) {
      throw new Error(`job spec version ${spec.version} is not supported by this runner (expects ${RUNNER_SPEC_VERSION})`);
    }
    const op = await loadOp(jobDir, spec);
    const args = decode(readFileSync(join(jobDir, JobFiles.input), 'utf8')) as unknown[];
    if (spec.mode === 'call') await runCall(jobDir, op, args);
    else {
      const items = decode(readFileSync(join(jobDir, JobFiles.itemsIn), 'utf8')) as unknown[];
      await runMap(jobDir, spec, op, items, args);
    }
  } catch (err) {
    writeAtomic(join(jobDir, JobFiles.error), encodeError(err));
    process.exitCode = 1;
  }
}

type Op = (...args: unknown[]) => unknown;

async function loadOp(jobDir: string, spec: RunnerSpec): Promise<Op> {
  const mod = (await import(pathToFileURL(resolve(jobDir, spec.codeFile)).href)) as Record<string, unknown>;
  const op = mod[spec.exportName];
  if (typeof op !== 'function') throw new Error(`the code bundle has no function export "${spec.exportName}"`);
  return op as Op;
}

async function runCall(jobDir: string, op: Op, args: unknown[]): Promise<void> {
  const value = await op(...args);
  writeAtomic(join(jobDir, JobFiles.result), encode({ value }, 'result'));
}

// Map mode: call the op on batches of the chunk, appending one record per item as each batch finishes.
async function runMap(jobDir: string, spec: RunnerSpec, op: Op, items: unknown[], extraArgs: unknown[]): Promise<void> {
  const batchSize = Math.max(1, spec.batchSize ?? 1);
  const file = join(jobDir, JobFiles.items);
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = items.slice(start, start + batchSize);
    let lines: string[];
    try {
      const out = (await op(batch, ...extraArgs)) as unknown;
      const values = Array.isArray(out) ? out : [];
      lines = batch.map((_, k) => encodeLine({ i: start + k, ok: true, value: values[k] }));
    } catch (err) {
      const error = decode(encodeError(err));
      lines = batch.map((_, k) => encodeLine({ i: start + k, ok: false, error }));
    }
    appendFileSync(file, lines.join('\n') + '\n');
  }
  writeAtomic(join(jobDir, JobFiles.result), encode({ value: items.length }, 'result'));
}

function encodeLine(record: { i: number; ok: boolean; value?: unknown; error?: unknown }): string {
  try {
    return encode(record, `result[${record.i}]`);
  } catch (err) {
    return encode({ i: record.i, ok: false, error: decode(encodeError(err)) });
  }
}

// Encode a thrown value as an Error; a non-Error throw or an uncodable error is wrapped so something always arrives.
function encodeError(err: unknown): string {
  const error = err instanceof Error ? err : new Error(`non-Error value thrown: ${String(err)}`);
  try {
    return encode(error, 'error');
  } catch {
    const plain = new Error(error.message);
    plain.name = error.name;
    plain.stack = error.stack;
    return encode(plain, 'error');
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
