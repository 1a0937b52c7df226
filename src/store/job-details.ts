// The typed `details` of a job row (what the job layer recorded when it claimed the job: mode, resources, fit, env,
// files, usage...) and its parsing, done once where rows are read: callers get typed fields, or a StoredDataError.
import type { ResourcesInput } from '../resources/types.ts';
import { StoredDataError } from './errors.ts';

/** Where a job was placed (resources.ts NodeFit, as stored). */
export interface JobFit {
  partition?: string;
  numNodes?: number;
  numCores?: number;
  numCoresPerNode?: number;
  maxTimeS?: number;
  /** Memory asked per node, KB (absent: none asked). */
  memPerNodeKb?: number | null;
}

/** An env var of the job script, as stored (system/job-script.ts EnvVar). */
export interface StoredEnvVar {
  name: string;
  value: string;
  form: 'literal' | 'word';
}

/**
 * A job's details as stored (JSON). Every field is optional: rows of older xpr versions and tests lack some. Keys
 * this version does not know are kept as they are (`xpr show` prints them).
 */
export interface JobDetails {
  mode?: string;
  exportName?: string;
  /** File name of the job's code bundle in the system's code dir. */
  codeFile?: string;
  /** The resources asked, as given (only checked to be an object when read). */
  resources?: Partial<ResourcesInput>;
  fit?: JobFit;
  /** Hash of system, resources and fit options (lifecycle.ts startHashOf). */
  startHash?: string;
  outputFiles?: string[];
  envVars?: StoredEnvVar[];
  /** Names only: the values never reach the store. */
  secretEnvVars?: string[];
  preCmds?: string[];
  postCmds?: string[];
  itemCount?: number;
  batchSize?: number;
  scriptName?: string;
  submitArgv?: string[];
  /** Resource usage recorded when the job ended (its shape is job/usage.ts JobUsage, read defensively there). */
  usage?: unknown;
  [key: string]: unknown;
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const arrayOf = (each: Check): Check => (v) => Array.isArray(v) && v.every(each);
const isEnvVar: Check = (v) => isObject(v) && isString(v.name) && isString(v.value) && (v.form === 'literal' || v.form === 'word');

// What each known field must hold, with the words for it in an error.
const FIELDS: Record<string, [Check, string]> = {
  mode: [isString, 'a string'],
  exportName: [isString, 'a string'],
  codeFile: [isString, 'a string'],
  resources: [isObject, 'an object'],
  fit: [isObject, 'an object'],
  startHash: [isString, 'a string'],
  outputFiles: [arrayOf(isString), 'a list of strings'],
  envVars: [arrayOf(isEnvVar), 'a list of {name, value, form}'],
  secretEnvVars: [arrayOf(isString), 'a list of strings'],
  preCmds: [arrayOf(isString), 'a list of strings'],
  postCmds: [arrayOf(isString), 'a list of strings'],
  itemCount: [isNumber, 'a number'],
  batchSize: [isNumber, 'a number'],
  scriptName: [isString, 'a string'],
  submitArgv: [arrayOf(isString), 'a list of strings'],
};

const FIT_FIELDS: Record<string, Check> = {
  partition: isString, numNodes: isNumber, numCores: isNumber, numCoresPerNode: isNumber, maxTimeS: isNumber,
  memPerNodeKb: (v) => v === null || isNumber(v),
};

// Parse the stored details of job `jobId` (store file `storePath`). Known fields stored as null are dropped (absent).
export function parseJobDetails(text: string, jobId: string, storePath: string): JobDetails {
  const bad = (problem: string, cause?: unknown): StoredDataError => new StoredDataError(
    `The job store ${storePath} holds unreadable details for job ${jobId}: ${problem} (the row was damaged, or written by another program)`,
    storePath, jobId, cause === undefined ? undefined : { cause },
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`, err);
  }
  const problem = detailsProblem(value);
  if (!checked(value, problem)) throw bad(problem ?? 'not job details');
  return value;
}

// What is wrong with parsed details, or null (dropping known fields that are null).
function detailsProblem(value: unknown): string | null {
  if (!isObject(value)) return `expected a JSON object, found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`;
  for (const [key, [check, words]] of Object.entries(FIELDS)) {
    const v = value[key];
    if (v === null) delete value[key];
    else if (v !== undefined && !check(v)) return `"${key}" should be ${words}, found ${JSON.stringify(v)}`;
  }
  if (isObject(value.fit)) {
    for (const [key, check] of Object.entries(FIT_FIELDS)) {
      const v = value.fit[key];
      if (v !== undefined && !check(v)) return `"fit.${key}" has the wrong type (${JSON.stringify(v)})`;
    }
  }
  return null;
}

function checked(_value: unknown, problem: string | null): _value is JobDetails {
  return problem === null;
}
