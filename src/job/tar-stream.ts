// Packs and unpacks job dirs with the system's tar (GNU tar or bsdtar: both read NUL-separated names from stdin).
// Packing streams (large input files never sit in memory); fetched results are unpacked from bytes. ~25x node-tar.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { XprError } from '../errors.ts';

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

// Unpack a tar archive (bytes) into `dir`.
export function unpackInto(dir: string, archive: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xf', '-'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', (err) => reject(new LocalTarError(`cannot run tar to unpack results into ${dir}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new LocalTarError(`tar failed unpacking results into ${dir} (exit ${code}): ${stderr.trim()}`))));
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close' with tar's own message
    child.stdin.end(archive);
  });
}
