// `xpr ls` on a large store: the table shows the newest 200 jobs by default with a note of how many are not shown;
// --limit n / --limit 0 choose; --json lists every job unless given --limit.
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { JobStore } from '../../src/store/index.ts';
import { makeProject } from '../helpers/project.ts';

const xpr = fileURLToPath(new URL('../../cli/xpr.mjs', import.meta.url));
const run = async (args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> =>
  (await promisify(execFile)(process.execPath, [xpr, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, maxBuffer: 1 << 26 })).stdout;

test('ls: the table shows the newest 200 of 250 jobs and says how many more; --limit and --json', async (t) => {
  const p = makeProject({});
  const store = JobStore.open(p.root);
  for (let k = 0; k < 250; k++) {
    const id = `big_chunk_${k}_${String(k).padStart(12, '0')}_abcd`;
    store.claim({ id, cacheKey: `key${k}`, name: `big_chunk_${k}`, system: 'q', stageDir: `/tmp/x/${id}`, runDir: `/tmp/r/${id}`, outputDir: p.dir, envHash: 'e', details: {} });
  }
  store.close();
  const table = await run(['ls'], p.dir, p.env);
  t.false(table.includes('big_chunk_49_'), 'the oldest 50 are left out');
  t.true(table.includes('big_chunk_50_') && table.includes('big_chunk_249_'));
  t.regex(table, /the newest 200 of 250 job\(s\) in .*; 50 older not shown \(--limit <n>, --limit 0 for all\)/);
  const two = await run(['ls', '--limit', '2'], p.dir, p.env);
  t.true(two.includes('big_chunk_248_') && two.includes('big_chunk_249_') && !two.includes('big_chunk_247_'));
  t.regex(await run(['ls', '--limit', '0'], p.dir, p.env), /\n250 job\(s\) in /);
  t.is((await run(['ls', '--json'], p.dir, p.env)).trim().split('\n').length, 250, '--json lists every job');
  t.deepEqual((await run(['ls', '--json', '--limit', '3'], p.dir, p.env)).trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name), ['big_chunk_247', 'big_chunk_248', 'big_chunk_249']);
  await t.throwsAsync(run(['ls', '--limit', '-1'], p.dir, p.env), { message: /expected a whole number >= 0/ });
});
