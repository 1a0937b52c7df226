// Packs and unpacks job dirs with the system's tar (GNU tar or bsdtar: both read NUL-separated names from stdin).
// Packing streams (large input files never sit in memory); fetched results are unpacked from bytes. ~25x node-tar.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { XprError } from '../errors.ts';
import { BaseFiles } from '../runner/contract.ts';

export class LocalTarError extends XprError {
  override name = 'LocalTarError';
}

// A tar stream of `entries` (paths relative to `cwd`). The stream errors if tar fails.
// tar's stdout is piped at once into the returned stream: Node resumes (and so drops) the unconsumed stdout of a child
// that exits, which a small archive would do while the caller is still opening its ssh channel.
export function packEntries(cwd: string, entries: readonly string[]): Readable {
  const out = new PassThrough();
  const child = spawn('tar', ['-cf', '-', '--null', '-T', '-'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new LocalTarError(`cannot run tar to pack job dirs in ${cwd}: ${err.message}`)));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new LocalTarError(`tar failed packing job dirs in ${cwd} (exit ${code}): ${stderr.trim()}`));
  });
  // A consumer that gives up (drop, abort) destroys `out`: tar is then ended rather than left blocked on a full pipe.
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  // tar exiting early closes its stdin (EPIPE here); its exit code, reported on 'close', says what went wrong.
  child.stdin.on('error', () => undefined);
  child.stdin.end(entries.map((e) => `${e}\0`).join(''));
  return out;
}

// Unpack a tar archive (bytes) into `dir`, after checking every entry (see unsafeEntries): fetched results come from
// another machine, and a symlink unpacked by one fetch would let the next one write through it, outside `dir`.
export function unpackInto(dir: string, archive: Buffer): Promise<void> {
  const bad = unsafeEntries(archive);
  if (bad.length) {
    const list = bad.slice(0, 5).map((b) => `${JSON.stringify(b.name)} (${b.why})`).join(', ');
    return Promise.reject(new LocalTarError(`refused to unpack results into ${dir}: the archive holds ${bad.length} unsafe entr${bad.length === 1 ? 'y' : 'ies'}: ${list}${bad.length > 5 ? ', ...' : ''}; nothing was unpacked`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xf', '-', '--no-same-owner', '--no-same-permissions'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', (err) => reject(new LocalTarError(`cannot run tar to unpack results into ${dir}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new LocalTarError(`tar failed unpacking results into ${dir} (exit ${code}): ${stderr.trim()}`))));
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close' with tar's own message
    child.stdin.end(archive);
  });
}

export interface UnsafeEntry {
  name: string;
  why: string;
}

const BLOCK = 512;

// Entries of a tar archive (ustar, GNU or pax, as GNU tar and bsdtar write them) that must not be unpacked: anything
// but regular files and dirs (symlinks, hard links, devices), absolute names, names with a ".." part, and names
// outside the job dirs (the `_code` dir). Also reports a truncated or malformed archive.
export function unsafeEntries(archive: Buffer): UnsafeEntry[] {
  const bad: UnsafeEntry[] = [];
  let longName: string | null = null;
  let paxPath: string | null = null;
  let off = 0;
  while (off + BLOCK <= archive.length) {
    const header = archive.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) return bad; // end of archive
    const size = tarNumber(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    if (size === null) return [...bad, { name: `(header at byte ${off})`, why: 'malformed size field' }];
    const dataStart = off + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) return [...bad, { name: `(header at byte ${off})`, why: 'archive truncated' }];
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const data = archive.subarray(dataStart, dataEnd);
    if (type === 'L') { longName = cString(data); continue; }
    if (type === 'K') continue; // long link name: the entry it belongs to is refused by its type
    if (type === 'x') { paxPath = paxField(data, 'path') ?? paxPath; continue; }
    if (type === 'g') continue;
    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(header.subarray(345, 500)) : '';
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100));
    paxPath = null;
    longName = null;
    const why = unsafeName(name, type === '5') ?? (['0', '\0', '7', '5'].includes(type) ? null : `type ${JSON.stringify(type)} is not a regular file or dir`);
    if (why) bad.push({ name, why });
  }
  return archive.length === 0 ? bad : [...bad, { name: '(end)', why: 'archive truncated (no end marker)' }];
}

function unsafeName(name: string, isDir: boolean): string | null {
  if (name.startsWith('/')) return 'absolute name';
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return isDir ? null : 'empty name';
  if (parts.includes('..')) return 'name has a ".." part';
  if (parts[0] === BaseFiles.code) return 'outside the job dirs';
  return null;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

// An octal (or GNU base-256) number field; null if malformed.
function tarNumber(field: Buffer): number | null {
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return Number.isSafeInteger(n) ? n : null;
  }
  const text = cString(field).trim();
  return /^[0-7]*$/.test(text) ? (text === '' ? 0 : parseInt(text, 8)) : null;
}

// The value of `key` in a pax extended header ("<len> key=value\n" records).
function paxField(data: Buffer, key: string): string | null {
  let found: string | null = null;
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number(data.subarray(off, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, off + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === key) found = record.slice(eq + 1);
    off += len;
  }
  return found;
}
