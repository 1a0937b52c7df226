// `xpr demo`: runs a few jobs through the full job path on the built-in `local` system, with no config.
// Run it twice: the second run finds every job in the cache and submits nothing.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { XprContext, RemoteJob } from '../../src/index.ts';
import { estimatePi } from '../demo/ops.ts';

export interface DemoOptions {
  dir?: string;
  fresh?: boolean;
}

// Run the demo; returns the number of jobs that were newly submitted (0 on a fully cached rerun).
export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const dir = opts.dir ?? join(tmpdir(), `xpr-demo-${userInfo().username}`);
  if (opts.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '_expyre'), { recursive: true });
  const ctx = new XprContext({ cwd: dir, env: { ...process.env, EXPYRE_ROOT: join(dir, '_expyre') } });
  const t0 = Date.now();
  console.log(`xpr demo: project root ${ctx.config.projectRoot} (job store ${ctx.store.path})`);
  console.log('xpr demo: estimating pi in 4 jobs on the built-in "local" system (no config.json needed)\n');
  let submitted = 0;
  try {
    const jobs = await Promise.all(
      [1, 2, 3, 4].map((seed) => RemoteJob.create<ReturnType<typeof estimatePi>>({ name: `pi_${seed}`, op: estimatePi, args: [2_000_000, seed] }, ctx)),
    );
    for (const job of jobs) {
      await job.start({ system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true });
      if (!job.attached) submitted++;
      console.log(`  ${job.attached ? 'cached  ' : 'submitted'} ${job.id}  (${job.state})`);
    }
    const results = await Promise.all(jobs.map((j) => j.result({ timeoutS: 300 })));
    console.log('');
    for (const [k, r] of results.entries()) {
      const events = ctx.store.events(jobs[k]!.id!).map((e) => e.toState).join(' → ');
      console.log(`  seed ${r.seed}: pi ≈ ${r.pi.toFixed(5)}   ${events}`);
    }
    const mean = results.reduce((s, r) => s + r.pi, 0) / results.length;
    console.log(`\n  mean pi ≈ ${mean.toFixed(5)}   (${((Date.now() - t0) / 1000).toFixed(1)} s, ${submitted} job(s) submitted, ${4 - submitted} from the cache)`);
    console.log(submitted ? '\nRun `npm run demo` again: every job is found by its content hash and nothing is submitted.' : '\nAll 4 jobs came from the cache. `npm run demo -- --fresh` starts over.');
  } finally {
    await ctx.close();
  }
  return submitted;
}
