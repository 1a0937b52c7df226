// The runner's own resource usage (`_xpr_usage` in its job dir, JSON RunnerUsage): measured by the runner just before
// it exits, read back by the driver (job/usage-record.ts), where it is merged with the queue's accounting.

/** What the runner writes to `_xpr_usage` (JSON) just before it exits. */
export interface RunnerUsage {
  elapsed_s: number;
  cpu_s: number;
  max_rss_bytes: number;
  cores: number | null;
}

// The runner's usage of itself so far: wall time since the process started, CPU of all its threads, peak RSS.
export function measureRunnerUsage(cores: number | null): RunnerUsage {
  const ru = process.resourceUsage();
  return {
    elapsed_s: round3(process.uptime()),
    cpu_s: round3((ru.userCPUTime + ru.systemCPUTime) / 1e6),
    max_rss_bytes: ru.maxRSS * 1024,
    cores,
  };
}

// Read the runner's usage file text; null when it is missing or not the expected shape (it never runs code).
export function parseRunnerUsage(text: string | null | undefined): RunnerUsage | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null);
  const elapsed = num(o.elapsed_s);
  const cpu = num(o.cpu_s);
  const rss = num(o.max_rss_bytes);
  if (elapsed === null || cpu === null || rss === null) return null;
  return { elapsed_s: elapsed, cpu_s: cpu, max_rss_bytes: rss, cores: num(o.cores) };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
