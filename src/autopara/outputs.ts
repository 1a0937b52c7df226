// The output sink of autoparallelize: a JSON Lines file (one codec record per input item, in input order) plus a
// manifest that makes "already complete" checkable, both written atomically (temp name + rename).
//
// Files: `<path>` holds line i = encode(record of item i) (src/codec; every line is one JSON value, no raw newlines).
// Each record is an envelope, so no result value can be mistaken for a failure:
//   { i, ok: true, value }                                        the op's result for item i (undefined if none)
//   { i, ok: false, jobId, error: { name, message, stack } }      item i failed (plain data, readable by JSON tools)
// `<path>.xpr-manifest.json` = { version: 2, callKey, count, failed, sha256 } where sha256 is the hex digest of the data
// file's bytes and `failed` the number of failure records. The data file is renamed into place first, then the
// manifest; an old manifest is removed before the data file is replaced, so a crash at any point leaves either no
// manifest or one that matches its data.
// readOutputs trusts the outputs only when the manifest's key, count and digest all match and every record is a
// well-formed envelope for its line (wfl trusted mere existence); anything else returns null and the caller redoes the
// work. Outputs holding failures are returned with them listed, so the caller reruns those items (a failure is never
// "done": wfl's timeout-marks-done-forever bug).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { decode, encode } from '../codec/index.ts';

const OUTPUTS_MANIFEST_VERSION = 2;
const MANIFEST_SUFFIX = '.xpr-manifest.json';

interface OutputsManifest {
  version: typeof OUTPUTS_MANIFEST_VERSION;
  callKey: string;
  count: number;
  failed: number;
  sha256: string;
}

/** A failed item as read back from the outputs. */
export interface StoredFailure {
  index: number;
  jobId: string | null;
  error: Error;
}

/** What a matching outputs file holds: every item's result (undefined where failed) and the failures. */
export interface StoredOutputs {
  results: unknown[];
  failures: StoredFailure[];
}

type FailureData = { name: string; message: string; stack: string | null };
type OutputRecord = { i: number; ok: true; value: unknown } | { i: number; ok: false; jobId: string | null; error: FailureData };

// Path of the manifest that belongs to an outputs file.
export function manifestPath(path: string): string {
  return path + MANIFEST_SUFFIX;
}

// Write one record per item (failures from `failures`, the rest from `results`), then the manifest, each atomically.
export async function writeOutputs(
  path: string, results: readonly unknown[], failures: ReadonlyArray<{ index: number; jobId: string | null; error: unknown }>,
  manifest: { callKey: string },
): Promise<void> {
  const failed = new Map(failures.map((f) => [f.index, f]));
  const hash = createHash('sha256');
  const chunks: string[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    hash.update(chunk);
    chunks.push(chunk);
    pending = [];
    pendingLength = 0;
  };
  results.forEach((value, i) => {
    const f = failed.get(i);
    const record: OutputRecord = f ? { i, ok: false, jobId: f.jobId, error: failureData(f.error) } : { i, ok: true, value };
    const line = encode(record, `outputs[${i}]`);
    if (line.includes('\n')) throw new Error(`internal: encoded record ${i} contains a newline`);
    pending.push(line, '\n');
    pendingLength += line.length + 1;
    if (pendingLength > 1 << 20) flush();
  });
  flush();
  const body: OutputsManifest = {
    version: OUTPUTS_MANIFEST_VERSION, callKey: manifest.callKey, count: results.length, failed: failed.size, sha256: hash.digest('hex'),
  };
  await rm(manifestPath(path), { force: true });
  await writeAtomic(path, chunks);
  await writeAtomic(manifestPath(path), [JSON.stringify(body, null, 2) + '\n']);
}

// The decoded results and failures if the outputs belong to this call (manifest key, count and digest match), else null.
export function readOutputs(path: string, expectedCallKey: string, expectedCount: number): StoredOutputs | null {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath(path), 'utf8')) as Partial<OutputsManifest>;
    if (manifest?.version !== OUTPUTS_MANIFEST_VERSION || manifest.callKey !== expectedCallKey || manifest.count !== expectedCount) return null;
    const data = readFileSync(path);
    if (createHash('sha256').update(data).digest('hex') !== manifest.sha256) return null;
    const text = data.toString('utf8');
    if (expectedCount === 0) return text === '' ? { results: [], failures: [] } : null;
    if (!text.endsWith('\n')) return null;
    const lines = text.slice(0, -1).split('\n');
    if (lines.length !== expectedCount) return null;
    const out: StoredOutputs = { results: [], failures: [] };
    for (const [i, line] of lines.entries()) {
      const record = decode(line) as Partial<OutputRecord> | null;
      if (typeof record !== 'object' || record === null || record.i !== i) return null;
      if (record.ok === true) out.results.push(record.value);
      else if (record.ok === false && isFailureData(record.error)) {
        out.results.push(undefined);
        out.failures.push({ index: i, jobId: typeof record.jobId === 'string' ? record.jobId : null, error: toError(record.error) });
      } else return null;
    }
    return out.failures.length === manifest.failed ? out : null;
  } catch {
    return null;
  }
}

function failureData(error: unknown): FailureData {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, stack: e.stack ?? null };
}

function isFailureData(v: unknown): v is FailureData {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.name === 'string' && typeof d.message === 'string' && (d.stack === null || typeof d.stack === 'string');
}

function toError(d: FailureData): Error {
  const e = new Error(d.message);
  e.name = d.name;
  if (d.stack !== null) e.stack = d.stack;
  return e;
}

async function writeAtomic(path: string, chunks: string[]): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(tmp, 'w');
    try {
      for (const chunk of chunks) await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
