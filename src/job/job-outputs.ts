// Reads what a finished job left in its local stage dir: the result, the error, per-item records, log tails,
// and copies declared output files to where the job was created from.
import { readFileSync, existsSync, mkdirSync, copyFileSync, openSync, readSync, fstatSync, closeSync, realpathSync, statSync } from 'node:fs';
import { join, dirname, relative, isAbsolute } from 'node:path';
import { glob } from 'tinyglobby';
import { decode, decodeBytes } from '../codec/index.ts';
import { JobFiles, type ItemRecord, type ResultRecord } from '../runner/contract.ts';
import { JobFileError } from './errors.ts';

// The decoded return value of a call-mode job.
export function readResult(jobDir: string): unknown {
  return (decodeFile(join(jobDir, JobFiles.result)) as ResultRecord).value;
}

// The error a job wrote (decoded into an Error with the remote name, message, stack and cause).
export function readJobError(jobDir: string, reason?: string | null): Error {
  const path = join(jobDir, JobFiles.error);
  if (!existsSync(path)) {
    // No error from the op: the reason the job was failed on this side (e.g. refused outputs). Its stack would be ours.
    const err = new Error(reason ?? 'the job wrote no error file');
    err.stack = `Error: ${err.message}`;
    return err;
  }
  const value = decodeFile(path);
  return value instanceof Error ? value : new Error(String(value));
}

// Map mode: the per-item records written so far. Only a torn LAST line (a job killed mid-write) is skipped; a bad
// line before it means the file is damaged, and that is an error naming the file and line.
export function readItemRecords(jobDir: string): ItemRecord[] {
  const path = join(jobDir, JobFiles.items);
  if (!existsSync(path)) return [];
  const lines = readText(path).split('\n');
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  const out: ItemRecord[] = [];
  lines.forEach((line, k) => {
    if (!line.trim()) return;
    try {
      out.push(decode(line) as ItemRecord);
    } catch (err) {
      if (k < lines.length - 1) throw new JobFileError(`${path} line ${k + 1}`, err);
    }
  });
  return out;
}

// A result or error file: a format-2 container (this runner) or format-1 text (runners of older releases).
function decodeFile(path: string): unknown {
  const bytes = readBytes(path);
  try {
    return decodeBytes(bytes);
  } catch (err) {
    throw new JobFileError(path, err);
  }
}

// Longest text V8 holds in one string: a bigger job file cannot be decoded, and is refused before it is read into memory.
const MAX_JOB_FILE_BYTES = 0x1fffffe8;

function readText(path: string): string {
  return readBytes(path).toString('utf8');
}

function readBytes(path: string): Buffer {
  try {
    const size = statSync(path).size;
    if (size > MAX_JOB_FILE_BYTES) {
      throw new Error(`it is ${(size / 2 ** 20).toFixed(0)} MiB, too large to decode (at most ${MAX_JOB_FILE_BYTES >> 20} MiB); return large data through output_files instead`);
    }
    return readFileSync(path);
  } catch (err) {
    throw new JobFileError(path, err);
  }
}

// The last `maxBytes` of a log file in the job dir ('' when absent).
export function readTail(jobDir: string, file: string, maxBytes = 4000): string {
  const path = join(jobDir, file);
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return (size > len ? '…' : '') + buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

// Copy files matching the output globs from the job dir to `outputDir`, keeping relative paths. Returns them.
// Only files inside the job dir are copied (a "../" glob or a symlink pointing out of it would copy, or write, other
// files); any such match is reported in an error once the others are copied.
export async function copyOutputFiles(jobDir: string, globs: readonly string[], outputDir: string): Promise<string[]> {
  if (globs.length === 0) return [];
  const files = await glob([...globs], { cwd: jobDir, onlyFiles: true, dot: true });
  const root = realpathSync(jobDir);
  const outside = files.filter((rel) => escapes(rel) || escapes(relative(root, realpathSync(join(jobDir, rel)))));
  const copied = files.filter((rel) => !outside.includes(rel));
  for (const rel of copied) {
    const to = join(outputDir, rel);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(jobDir, rel), to);
  }
  if (outside.length) {
    throw new JobFileError(jobDir, new Error(`output_files ${JSON.stringify(globs)} matched ${outside.map((f) => JSON.stringify(f)).join(', ')}, outside the job dir; not copied`));
  }
  // Matches the system did not send (symlinks, devices, fifos: see fetchJobs).
  const refusedFile = join(jobDir, JobFiles.refusedOutputs);
  const refused = existsSync(refusedFile) ? readFileSync(refusedFile, 'utf8').split('\n').filter(Boolean) : [];
  if (refused.length) {
    throw new JobFileError(jobDir, new Error(`output_files ${JSON.stringify(globs)} matched ${refused.map((f) => JSON.stringify(f)).join(', ')} on the system, which ${refused.length === 1 ? 'is not a regular file' : 'are not regular files'} (symlinks, devices or fifos); not fetched or copied (the other outputs were)`));
  }
  return copied;
}

// Whether a path relative to the job dir leads out of it.
function escapes(rel: string): boolean {
  return isAbsolute(rel) || rel === '..' || rel.startsWith('../');
}
