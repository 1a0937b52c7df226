// The resource usage of a job as the dashboard shows it, read defensively from the job row (a `usage` field or
// details.usage, as recorded by the runner / queue accounting); null when the job has none or it is malformed.

/** Per-job usage, as `xpr ls --json` prints it (the fields the dashboard reads; absent ones are null). */
export interface DashUsage {
  elapsed_s: number | null;
  cpu_s: number | null;
  cores: number | null;
  cpu_efficiency: number | null;
  max_rss_bytes: number | null;
  source: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// The usage of a job row, or null.
export function usageOf(row: object): DashUsage | null {
  const r = row as { usage?: unknown; details?: { usage?: unknown } };
  const raw = r.usage ?? r.details?.usage;
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const out: DashUsage = {
    elapsed_s: num(u.elapsed_s), cpu_s: num(u.cpu_s), cores: num(u.cores), cpu_efficiency: num(u.cpu_efficiency),
    max_rss_bytes: num(u.max_rss_bytes), source: typeof u.source === 'string' ? u.source : null,
  };
  if (out.cpu_efficiency === null && out.cpu_s !== null && out.elapsed_s && out.cores) out.cpu_efficiency = out.cpu_s / (out.elapsed_s * out.cores);
  return Object.values(out).some((v) => v !== null) ? out : null;
}
