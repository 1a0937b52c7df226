// Reads what a finished job left in its local stage dir: the result, the error, per-item records, log tails,
// and copies declared output files to where the job was created from.
import { readFileSync, existsSync, mkdirSync, copyFileSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { glob } from 'tinyglobby';
import { decode } from '../codec/index.ts';
import { JobFiles, type ItemRecord, type ResultRecord } from '../runner/contract.ts';
import { JobFileError } from './errors.ts';

// The decoded return value of a call-mode job.
export function readResult(jobDir: string): unknown {
  return (decodeFile(join(jobDir, JobFiles.result)) as ResultRecord).value;
}

// The error a job wrote (decoded into an Error with the remote name, message, stack and cause).
export function readJobError(jobDir: string): Error {
  const path = join(jobDir, JobFiles.error);
  if (!existsSync(path)) return new Error('the job wrote no error file');
  const value = decodeFile(path);
  return value instanceof Error ? value : new Error(String(value));
}

// Map mode: the per-item records written so far. Only a torn LAST line (a job killed mid-write) is skipped; a bad
// line before it means the file is damaged, and that is an error naming the file and line.
export function readItemRecords(jobDir: string): ItemRecord[] {
  const path = join(jobDir, JobFiles.items);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
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

function decodeFile(path: string): unknown {
  try {
    return decode(readFileSync(path, 'utf8'));
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
export async function copyOutputFiles(jobDir: string, globs: readonly string[], outputDir: string): Promise<string[]> {
  if (globs.length === 0) return [];
  const files = await glob([...globs], { cwd: jobDir, onlyFiles: true, dot: true });
  for (const rel of files) {
    const to = join(outputDir, rel);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(jobDir, rel), to);
  }
  return files;
}
