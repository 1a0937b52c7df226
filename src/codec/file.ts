// Writing encoded chunks (encodeChunks) to a file without joining them: gathered writes (writev) that resume after a
// partial write, synchronously or on libuv's thread pool.
import { closeSync, openSync, writevSync } from 'node:fs';
import { open } from 'node:fs/promises';

// At most this many buffers per writev call (Linux IOV_MAX is 1024).
const maxBuffers = 1024;

/** Writes `chunks` in order to `path` (created or truncated, `mode` for a new file). */
export function writeChunksSync(path: string, chunks: readonly Uint8Array[], mode = 0o666): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeAll(chunks, (batch, position) => writevSync(fd, batch, position));
  } finally {
    closeSync(fd);
  }
}

/** As writeChunksSync, with the I/O on libuv's thread pool: the main thread is free (e.g. to hash) meanwhile. */
export async function writeChunks(path: string, chunks: readonly Uint8Array[], mode = 0o666): Promise<void> {
  const handle = await open(path, 'w', mode);
  try {
    let position = 0;
    let rest = remaining(chunks, 0);
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest.slice(0, maxBuffers), position);
      if (bytesWritten === 0) throw new Error(`writing ${path}: the file system took no bytes`);
      position += bytesWritten;
      rest = remaining(rest, bytesWritten);
    }
  } finally {
    await handle.close();
  }
}

function writeAll(chunks: readonly Uint8Array[], writev: (batch: Uint8Array[], position: number) => number): void {
  let position = 0;
  let rest = remaining(chunks, 0);
  while (rest.length > 0) {
    const written = writev(rest.slice(0, maxBuffers), position);
    if (written === 0) throw new Error('the file system took no bytes');
    position += written;
    rest = remaining(rest, written);
  }
}

// The chunks left after `written` bytes of `chunks` went out (the first one cut where the write stopped).
function remaining(chunks: readonly Uint8Array[], written: number): Uint8Array[] {
  let i = 0;
  let left = written;
  while (i < chunks.length && left >= chunks[i]!.byteLength) left -= chunks[i++]!.byteLength;
  const rest = chunks.slice(i).filter((c) => c.byteLength > 0);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
