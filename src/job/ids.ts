// Job ids and names: short, padding-free, valid as a job name on Slurm, SGE and PBS and as a directory name.
// Form: <name>_<12 chars of the cache key>_<4 random chars>, all in [A-Za-z0-9_-], starting with a letter.
import { randomBytes } from 'node:crypto';
import { hashToId } from '../codec/index.ts';

const MAX_NAME = 32;

// Reduce a user-supplied job name to [A-Za-z0-9_-], starting with a letter, at most 32 characters.
export function sanitizeJobName(name: string): string {
  let clean = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').slice(0, MAX_NAME).replace(/_+$/, '');
  if (clean === '') clean = 'job';
  return clean;
}

// A fresh job id for a job with this (sanitised) name and cache key (hex).
export function makeJobId(name: string, cacheKeyHex: string): string {
  const rand = hashToId(randomBytes(32).toString('hex'), 4);
  return `${sanitizeJobName(name)}_${hashToId(cacheKeyHex, 12)}_${rand}`;
}
