// The output sink of autoparallelize: a JSON Lines file (one codec record per input item, in input order) plus a
// manifest that makes "already complete" checkable, both written atomically (temp name + rename).
//
// Files: `<path>` holds line i = encode(record of item i) (src/codec; every line is one JSON value, no raw newlines).
// `<path>.xpr-manifest.json` = { version: 1, callKey, count, sha256 } where sha256 is the hex digest of the data
// file's bytes. The data file is renamed into place first, then the manifest; an old manifest is removed before the
// data file is replaced, so a crash at any point leaves either no manifest or one that matches its data.
// readCompleteOutputs trusts the outputs only when the manifest's key, count and digest all match (wfl trusted mere
// existence); anything else returns null and the caller redoes the work.
//
// An item that failed under ignore_failed_jobs is recorded as a FailedItemMarker:
//   { xprFailed: true, error: { name, message, stack } }   (plain data, so it survives the codec and JSON tools)
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { decode, encode } from '../codec/index.ts';

export const OUTPUTS_MANIFEST_VERSION = 1;
export const MANIFEST_SUFFIX = '.xpr-manifest.json';

export interface OutputsManifest {
  version: typeof OUTPUTS_MANIFEST_VERSION;
  callKey: string;
  count: number;
  sha256: string;
}

/** The record stored for an item whose job failed when ignore_failed_jobs is set. */
export interface FailedItemMarker {
  xprFailed: true;
  error: { name: string; message: string; stack: string | null };
}

// The marker recorded in place of a failed item's result.
export function failedItemMarker(error: unknown): FailedItemMarker {
  const e = error instanceof Error ? error : new Error(String(error));
  return { xprFailed: true, error: { name: e.name, message: e.message, stack: e.stack ?? null } };
}

// Whether a stored record is a FailedItemMarker.
export function isFailedItemMarker(value: unknown): value is FailedItemMarker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.xprFailed === true && typeof v.error === 'object' && v.error !== null;
}

// Path of the manifest that belongs to an outputs file.
export function manifestPath(path: string): string {
  return path + MANIFEST_SUFFIX;
}

// Write the records (one per input item, in input order) and then the manifest, each atomically.
export async function writeOutputs(path: string, records: unknown[], manifest: { callKey: string }): Promise<void> {
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
  records.forEach((record, i) => {
    const line = encode(record, `outputs[${i}]`);
    if (line.includes('\n')) throw new Error(`internal: encoded record ${i} contains a newline`);
    pending.push(line, '\n');
    pendingLength += line.length + 1;
    if (pendingLength > 1 << 20) flush();
  });
  flush();
  const body: OutputsManifest = { version: OUTPUTS_MANIFEST_VERSION, callKey: manifest.callKey, count: records.length, sha256: hash.digest('hex') };
  await rm(manifestPath(path), { force: true });
  await writeAtomic(path, chunks);
  await writeAtomic(manifestPath(path), [JSON.stringify(body, null, 2) + '\n']);
}

// The decoded records if the outputs are complete for this call (manifest key, count and digest match), else null.
export function readCompleteOutputs(path: string, expectedCallKey: string, expectedCount: number): unknown[] | null {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath(path), 'utf8')) as Partial<OutputsManifest>;
    if (manifest?.version !== OUTPUTS_MANIFEST_VERSION || manifest.callKey !== expectedCallKey || manifest.count !== expectedCount) return null;
    const data = readFileSync(path);
    if (createHash('sha256').update(data).digest('hex') !== manifest.sha256) return null;
    const text = data.toString('utf8');
    if (expectedCount === 0) return text === '' ? [] : null;
    if (!text.endsWith('\n')) return null;
    const lines = text.slice(0, -1).split('\n');
    if (lines.length !== expectedCount) return null;
    return lines.map((line) => decode(line));
  } catch {
    return null;
  }
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
