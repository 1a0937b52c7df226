// `xpr demo`: maps an op over 8 items with autoparallelize; WFL_EXPYRE_INFO (written by the demo, as a user would)
// routes the call to the built-in `local` queue in chunks. Run it twice: the rerun takes every item from the cache.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { XprContext, autoparallelize } from '../../src/index.ts';
import { estimatePiBatch } from '../demo/ops.ts';

export interface DemoOptions {
  dir?: string;
  fresh?: boolean;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

// The workflow function: its name and file are what the WFL_EXPYRE_INFO key "demo.ts::estimateAll" matches.
export function estimateAll(ctx: XprContext) {
  return autoparallelize(estimatePiBatch, SEEDS, { args: [1_000_000], context: ctx, progress: 'plain' });
}

// Run the demo; returns the number of jobs it submitted (0 on a fully cached rerun).
export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const dir = opts.dir ?? join(tmpdir(), `xpr-demo-${userInfo().username}`);
  if (opts.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '_expyre'), { recursive: true });
  const infoFile = join(dir, 'remoteinfo.json');
  const routing = {
    'demo.ts::estimateAll': {
      sys_name: 'local', job_name: 'pi', resources: { num_cores: 1, max_time: '5m' }, partial_node: true,
      num_inputs_per_queued_job: 2, check_interval: 1,
    },
  };
  writeFileSync(infoFile, JSON.stringify(routing, null, 2) + '\n');
  const ctx = new XprContext({ cwd: dir, env: { ...process.env, EXPYRE_ROOT: join(dir, '_expyre'), WFL_EXPYRE_INFO: infoFile } });
  console.log(`xpr demo: project ${dir} (job store ${ctx.store.path})`);
  console.log(`xpr demo: WFL_EXPYRE_INFO=${infoFile} routes demo.ts::estimateAll to the built-in "local" queue, 2 items per job\n`);
  const t0 = Date.now();
  const before = ctx.store.list().length;
  try {
    const results = await estimateAll(ctx);
    const jobs = ctx.store.list();
    const submitted = jobs.length - before;
    console.log('');
    for (const r of results) if (r) console.log(`  seed ${r.seed}: pi ≈ ${r.pi.toFixed(5)}`);
    for (const j of jobs.slice(before)) console.log(`  job ${j.id}: ${ctx.store.events(j.id).map((e) => e.toState).join(' → ')}`);
    const mean = results.reduce((s, r) => s + (r?.pi ?? 0), 0) / results.length;
    console.log(`\n  mean pi ≈ ${mean.toFixed(5)} from ${SEEDS.length} items in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${submitted} job(s) submitted, ${submitted ? 0 : SEEDS.length} item(s) from the cache`);
    // Name the command the user typed: `npm run demo` in this repo, `xpr demo` from an installed package.
    const again = process.env.npm_lifecycle_event === 'demo' ? 'npm run demo' : 'xpr demo';
    const fresh = again === 'npm run demo' ? 'npm run demo -- --fresh' : 'xpr demo --fresh';
    console.log(submitted ? `\nRun \`${again}\` again: every item is found in the cache and nothing is submitted.` : `\nEverything came from the cache. \`${fresh}\` starts over.`);
    return submitted;
  } finally {
    await ctx.close();
  }
}
