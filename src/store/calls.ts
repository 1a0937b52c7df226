// Records of autoparallelize calls (calls table: the call's item keys and which job holds which items, as JSON
// owned by autopara), and which code files were sent where (staged_code). Used by JobStore (store.ts).
import type { StoreDb } from './db.ts';
import { now } from './db.ts';
import { StoredDataError } from './errors.ts';

/** A call record as stored: a JSON object whose shape its writer (autopara) owns. */
export type StoredCall = Record<string, unknown>;

// The call's record and its snapshots (snapshots.ts).
export function deleteCall(s: StoreDb, callKey: string): boolean {
  return s.write(() => {
    s.db.prepare('DELETE FROM call_snapshots WHERE call_key = ?').run(callKey);
    return s.db.prepare('DELETE FROM calls WHERE call_key = ?').run(callKey).changes > 0;
  });
}

// A record equal to the stored one is not written again (a cached rerun of 10^6 items would rewrite 70 MB).
export function putCall(s: StoreDb, callKey: string, details: object): void {
  const text = JSON.stringify(details);
  s.write(() => {
    if (s.db.prepare('SELECT details = ? FROM calls WHERE call_key = ?').pluck().get(text, callKey) === 1) return;
    const t = now();
    s.db
      .prepare(
        `INSERT INTO calls (call_key, details, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(call_key) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at`,
      )
      .run(callKey, text, t, t);
  });
}

export function getCall(s: StoreDb, callKey: string): StoredCall | undefined {
  const r = s.read(() => s.db.prepare('SELECT details FROM calls WHERE call_key = ?').get(callKey)) as { details: string } | undefined;
  return r && parseCall(r.details, callKey, s.path);
}

export function listCalls(s: StoreDb): Array<{ callKey: string; details: StoredCall; createdAt: number; updatedAt: number }> {
  const rows = s.read(() => s.db.prepare('SELECT * FROM calls ORDER BY created_at, rowid').all()) as Array<{ call_key: string; details: string; created_at: number; updated_at: number }>;
  return rows.map((r) => ({ callKey: r.call_key, details: parseCall(r.details, r.call_key, s.path), createdAt: r.created_at, updatedAt: r.updated_at }));
}

export function hasStagedCode(s: StoreDb, place: string, fileName: string): boolean {
  return s.db.prepare('SELECT 1 FROM staged_code WHERE system = ? AND file_name = ?').get(place, fileName) !== undefined;
}

export function markStagedCode(s: StoreDb, place: string, fileNames: readonly string[]): void {
  s.write(() => {
    const stmt = s.db.prepare('INSERT OR IGNORE INTO staged_code (system, file_name) VALUES (?, ?)');
    for (const f of fileNames) stmt.run(place, f);
  });
}

// The stored record of call `callKey`: a JSON object, or a StoredDataError naming the call and the store.
function parseCall(text: string, callKey: string, storePath: string): StoredCall {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoredDataError(`The job store ${storePath} holds an unreadable record of call ${callKey}: not JSON (${(err as Error).message})`, storePath, callKey, { cause: err });
  }
  if (!isRecord(value)) throw new StoredDataError(`The job store ${storePath} holds an unreadable record of call ${callKey}: expected a JSON object`, storePath, callKey);
  return value;
}

const isRecord = (v: unknown): v is StoredCall => v !== null && typeof v === 'object' && !Array.isArray(v);
