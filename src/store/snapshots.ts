// Call snapshots: the whole result list of an autoparallelize call that ended with every item done, under a key of
// its code, args and inputs, so a fully cached rerun reads one row instead of one item result per item.
import type { StoreDb } from './db.ts';
import { now } from './db.ts';

/** A call's results as one codec payload, and the call's key (its record in the calls table). */
export interface CallSnapshot {
  callKey: string;
  /** The jobs whose item results the snapshot holds (for the call's warnings about their settings). */
  jobIds: string[];
  /** `encode(results)`: the results list in input order. */
  payload: string;
}

// Any item result deleted or replaced bumps this counter (triggers of migration 7); a snapshot holds only while the
// counter is what it was when its call started reading results. Inserting new results does not bump it.
const GENERATION = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'item_results_generation')";

/** The current item-results generation (read before a call reads any item result). */
export function itemResultsGeneration(s: StoreDb): number {
  return s.read(() => s.db.prepare(`SELECT ${GENERATION}`).pluck().get()) as number;
}

export function getCallSnapshot(s: StoreDb, inputsKey: string): CallSnapshot | undefined {
  const r = s.read(() => s.db.prepare(`SELECT call_key, job_ids, payload FROM call_snapshots WHERE inputs_key = ? AND generation = ${GENERATION}`).raw().get(inputsKey)) as [string, string, string] | undefined;
  if (!r) return undefined;
  const jobIds: unknown = JSON.parse(r[1]);
  return { callKey: r[0], jobIds: Array.isArray(jobIds) ? jobIds.filter((j): j is string => typeof j === 'string') : [], payload: r[2] };
}

// Saved only if no item result was deleted or replaced since `generation` was read (else false: the results the call
// read may be stale); snapshots of older generations are dropped on the way.
export function putCallSnapshot(s: StoreDb, inputsKey: string, snapshot: CallSnapshot, generation: number): boolean {
  return s.write(() => {
    if (s.db.prepare(`SELECT ${GENERATION}`).pluck().get() !== generation) return false;
    s.db.prepare('DELETE FROM call_snapshots WHERE generation <> ?').run(generation);
    s.db
      .prepare(
        `INSERT INTO call_snapshots (inputs_key, call_key, generation, job_ids, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(inputs_key) DO UPDATE SET call_key = excluded.call_key, generation = excluded.generation,
           job_ids = excluded.job_ids, payload = excluded.payload, created_at = excluded.created_at`,
      )
      .run(inputsKey, snapshot.callKey, generation, JSON.stringify(snapshot.jobIds), snapshot.payload, now());
    return true;
  });
}
