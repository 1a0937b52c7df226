// Ctrl-C while a script waits on jobs: the jobs are left running in their queue, and the message says so and that
// running the script again attaches to them. Installed only while someone waits; otherwise SIGINT is Node's default.
const waiting = new Map<symbol, { ids: readonly string[]; system: string }>();

function onInterrupt(): void {
  const ids = [...new Set([...waiting.values()].flatMap((w) => w.ids))];
  const systems = [...new Set([...waiting.values()].map((w) => w.system))];
  process.stderr.write(
    `\nxpr: interrupted while waiting for ${ids.length} job(s) on ${systems.join(', ')}. They stay queued and keep ` +
      'running; run the script again to attach to them and collect their results (`xpr ls` lists them, `xpr cancel` stops them).\n',
  );
  process.exit(130);
}

// Mark a wait as in progress; the returned function ends it.
export function holdInterrupt(ids: readonly string[], system: string): () => void {
  const key = Symbol('wait');
  if (waiting.size === 0) process.on('SIGINT', onInterrupt);
  waiting.set(key, { ids, system });
  return () => {
    if (waiting.delete(key) && waiting.size === 0) process.off('SIGINT', onInterrupt);
  };
}
