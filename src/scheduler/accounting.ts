// Usage figures from a queue's accounting (QueueUsage) and the units parsers of its values: sacct (Slurm), qacct
// (SGE), PBS resources_used. Each scheduler module turns its accounting output into QueueUsage with these.

/** Usage figures from the queue's accounting (any may be missing). */
export interface QueueUsage {
  elapsed_s?: number;
  cpu_s?: number;
  cores?: number;
  max_rss_bytes?: number;
  req_mem_bytes?: number;
}

// Seconds of a Slurm duration: `[D-][HH:]MM:SS[.mmm]` (sacct Elapsed, TotalCPU); undefined if unreadable.
export function parseSlurmDuration(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(t);
  if (!m) return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return round3(Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s));
}

// Bytes of a Slurm size (`316672K`, `100M`, `2000Mc`, `1.50G`): binary units (K = 1024); a `c`/`n` suffix (older
// ReqMem: per CPU / per node) is returned as `per`. Undefined if empty or unreadable.
export function parseSlurmMem(text: string | undefined): { bytes: number; per?: 'cpu' | 'node' } | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGTP]?)([cn]?)$/.exec(t);
  if (!m) return undefined;
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }[m[2] as '' | 'K'];
  const out: { bytes: number; per?: 'cpu' | 'node' } = { bytes: Math.round(Number(m[1]) * scale) };
  if (m[3] === 'c') out.per = 'cpu';
  if (m[3] === 'n') out.per = 'node';
  return out;
}

// Seconds of a qacct value (`7s`, `1.422s`, `2.011`); undefined if unreadable.
export function parseQacctSeconds(text: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(text?.trim() ?? '');
  return m ? round3(Number(m[1])) : undefined;
}

// Bytes of a qacct memory value: qacct prints with decimal prefixes (`248.793MB` = 248.793e6 bytes, `1.2GB`).
export function parseQacctBytes(text: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$/i.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]!.toUpperCase() as '' | 'K'];
  return Math.round(Number(m[1]) * scale);
}

// Seconds of a PBS `HH:MM:SS` (resources_used.walltime, cput); undefined if unreadable.
export function parsePbsDuration(text: unknown): number | undefined {
  if (typeof text === 'number') return text;
  const m = typeof text === 'string' ? /^(\d+):(\d\d):(\d\d)$/.exec(text.trim()) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

// Bytes of a PBS size (`123456kb`, `8gb`, `100b`): binary units, as PBS uses.
export function parsePbsMem(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^(\d+)([kmgtp]?)[bw]?$/i.exec(text.trim()) : null;
  if (!m) return undefined;
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as '' | 'k'];
  return Number(m[1]) * scale;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
