// Time and memory units of resource requests and partition specs. Times -> whole seconds: a bare number is SECONDS (ExPyRe),
// not Slurm's minutes, but `D-HH[:MM[:SS]]` has Slurm's meaning. Memory -> kB, binary (1 kB = 1024 B; "GB" = GiB, as ExPyRe).
import { ResourceSpecError } from './errors.ts';

const TIME_FORMS =
  'a whole number of seconds (90; a bare number, int or string, always means seconds, unlike Slurm\'s minutes), '
  + 'N[smhd] (30s, 10m, 1.5h, 2d), MM:SS (1:30), HH:MM:SS (1:30:00, hours may exceed 24), '
  + 'or Slurm\'s D-HH, D-HH:MM, D-HH:MM:SS (2-5 = 2 days 5 hours)';

const MEM_FORMS =
  'an integer number of kB (1 kB = 1024 bytes), or N followed by k, m, g or t with an optional b or ib '
  + '(512m, 5g, 5GB, 5GiB, 1.5t; case-insensitive); all binary: 1g = 1024^2 kB, and GB is read as GiB, as ExPyRe does';

const SECONDS_PER_SUFFIX: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const KB_PER_SUFFIX: Record<string, number> = { k: 1, m: 1024, g: 1024 ** 2, t: 1024 ** 3 };

const SUFFIXED_TIME = /^(\d+(?:\.\d*)?)\s*([smhd])$/;
const CLOCK_TIME = /^(?:(\d+)-)?(\d+(?::\d+){0,2})$/;
const SUFFIXED_MEM = /^(\d+(?:\.\d*)?)\s*([kmgt])(?:i?b)?$/;

function fail(where: string, value: unknown, what: string, forms: string): never {
  throw new ResourceSpecError([{ where, value, message: `cannot read ${show(value)} as ${what}; accepted: ${forms}` }]);
}

// Render a user value for an error message (strings quoted, everything else as JSON).
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// Read a duration as whole seconds (fractions round up). Bare numbers mean seconds (ExPyRe), `D-HH` means days-hours (Slurm).
export function parseTimeS(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) fail(where, value, 'a time', TIME_FORMS);
    return Math.ceil(value);
  }
  if (typeof value !== 'string') fail(where, value, 'a time', TIME_FORMS);
  const text = value.trim().toLowerCase();
  const suffixed = SUFFIXED_TIME.exec(text);
  if (suffixed) return Math.ceil(Number(suffixed[1]) * SECONDS_PER_SUFFIX[suffixed[2]!]!);
  const clock = CLOCK_TIME.exec(text);
  if (!clock) fail(where, value, 'a time', TIME_FORMS);
  const fields = clock[2]!.split(':').map(Number);
  if (clock[1] !== undefined) {
    // Slurm: after "D-" the fields are HH, HH:MM or HH:MM:SS.
    const [h = 0, m = 0, s = 0] = fields;
    return Number(clock[1]) * 86400 + h * 3600 + m * 60 + s;
  }
  // Without days: SS (ExPyRe's bare seconds), MM:SS or HH:MM:SS.
  return fields.reduce((total, field) => total * 60 + field, 0);
}

// Format whole seconds as H:MM:SS, hours unbounded (90061 -> "25:01:01"), as scheduler walltime options expect.
export function formatHMS(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new RangeError(`formatHMS needs a non-negative whole number of seconds, got ${seconds}`);
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

// Read a memory size as whole kB, binary units (1k = 1024 bytes, 1g = 1024^2 kB; "GB" = GiB as in ExPyRe).
export function parseMemKb(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) fail(where, value, 'a memory size', MEM_FORMS);
    return value;
  }
  if (typeof value !== 'string') fail(where, value, 'a memory size', MEM_FORMS);
  const match = SUFFIXED_MEM.exec(value.trim().toLowerCase());
  if (!match) fail(where, value, 'a memory size', MEM_FORMS);
  return Math.ceil(Number(match[1]) * KB_PER_SUFFIX[match[2]!]!);
}

// Format kB for people: the largest binary unit, up to one decimal ("60 GiB", "1.5 TiB", "512 kB").
export function formatMemKb(kb: number): string {
  const units: Array<[string, number]> = [['TiB', 1024 ** 3], ['GiB', 1024 ** 2], ['MiB', 1024], ['kB', 1]];
  for (const [unit, size] of units) {
    if (kb >= size) return `${Number((kb / size).toFixed(1))} ${unit}`;
  }
  return `${kb} kB`;
}
