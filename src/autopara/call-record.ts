// The record of a remote autoparallelize call as kept in the store (its item keys, and which job holds which items),
// and its reading back: a typed CallRecord, or null for a record of another shape (another xpr version).
import type { StoredCall } from '../store/index.ts';

export interface Chunk {
  /** Per position in the job's chunk: the index of that item in the call's inputs, or -1 when the job (started by an
   *  earlier run with other items or chunks) holds an item this call does not have. */
  indexes: number[];
  jobId: string;
}

export interface CallRecord {
  version: 2;
  callKey: string;
  itemKeys: string[];
  /** Every chunk ever started for the call, resubmitted ones appended (saved again after each resubmission). */
  chunks: Chunk[];
  timeoutS: number | null;
  checkIntervalS: number;
  /** The effective ignoreFailed of the call (option, else RemoteInfo.ignore_failed_jobs). */
  ignoreFailed: boolean;
  /** Absolute path of the call's outputs sink, written by whoever collects the results; null = none. */
  outputs: string | null;
  /** The key its snapshot is saved under once every item succeeded (item-keys.ts inputsKey); absent: none is saved. */
  inputsKey?: string;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isChunk = (v: unknown): v is Chunk => isRecord(v) && isString(v.jobId) && Array.isArray(v.indexes) && v.indexes.every(isNumber);
const listOf = <T>(v: unknown, each: (x: unknown) => x is T): v is T[] => Array.isArray(v) && v.every(each);

// The call record stored as `stored`, or null when it is not a version-2 record of this shape.
export function parseCallRecord(stored: StoredCall): CallRecord | null {
  const { version, callKey, itemKeys, chunks, timeoutS, checkIntervalS, ignoreFailed, outputs, inputsKey } = stored;
  if (version !== 2 || !isString(callKey) || !listOf(itemKeys, isString) || !listOf(chunks, isChunk)) return null;
  if (!isNumber(checkIntervalS) || typeof ignoreFailed !== 'boolean') return null;
  if ((timeoutS !== null && !isNumber(timeoutS)) || (outputs !== null && !isString(outputs))) return null;
  if (inputsKey !== undefined && !isString(inputsKey)) return null;
  return { version, callKey, itemKeys, chunks, timeoutS, checkIntervalS, ignoreFailed, outputs, ...(inputsKey ? { inputsKey } : {}) };
}

// The item keys and job ids of a stored call record of any version (each had `itemKeys` and `chunks`), or null.
export function callItemsAndJobs(stored: StoredCall): { itemKeys: string[]; jobIds: string[] } | null {
  const { itemKeys, chunks } = stored;
  return listOf(itemKeys, isString) && listOf(chunks, isChunk) ? { itemKeys, jobIds: chunks.map((c) => c.jobId) } : null;
}
