// Detects whether a directory sits on a network filesystem (NFS, Lustre, GPFS, CIFS...), where SQLite WAL is unsafe.
// Reads /proc/self/mountinfo (Linux); elsewhere answers "local".
import { readFileSync, realpathSync } from 'node:fs';

const NETWORK_FS = new Set(['nfs', 'nfs4', 'lustre', 'gpfs', 'cifs', 'smb3', 'smbfs', 'beegfs', 'ceph', 'fuse.sshfs', 'afs', 'panfs', 'glusterfs', 'fuse.glusterfs', 'wekafs']);

// The filesystem type of the mount holding `dir`, or null when it cannot be told.
export function filesystemType(dir: string): string | null {
  try {
    return filesystemTypeIn(readFileSync('/proc/self/mountinfo', 'utf8'), realpathSync(dir));
  } catch {
    return null;
  }
}

// The type of the deepest mount in a /proc/self/mountinfo text that contains `path` (absolute, resolved).
export function filesystemTypeIn(mountinfo: string, path: string): string | null {
  let best: { mount: string; type: string } | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mount = left.split(' ')[4]?.replace(/\\040/g, ' ');
    const type = right.split(' ')[0];
    if (!mount || !type) continue;
    const inside = path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    if (inside && (!best || mount.length >= best.mount.length)) best = { mount, type };
  }
  return best?.type ?? null;
}

// Whether SQLite's WAL mode is unsafe for a database in `dir`.
export function isNetworkFilesystem(dir: string): boolean {
  return isNetworkType(filesystemType(dir));
}

// Whether a filesystem type (as in mountinfo) is a network or cluster filesystem.
export function isNetworkType(type: string | null): boolean {
  return type !== null && NETWORK_FS.has(type);
}
